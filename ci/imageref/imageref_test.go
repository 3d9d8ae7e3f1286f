package imageref

import (
	"strings"
	"testing"
)

const hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestParse(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in string
		want     Ref
		wantErr  string
	}{
		{"ecr", "123456789012.dkr.ecr.us-east-1.amazonaws.com/gangway-test@sha256:" + hex64,
			Ref{"123456789012.dkr.ecr.us-east-1.amazonaws.com", "gangway-test", "sha256:" + hex64}, ""},
		{"local registry", "127.0.0.1:5000/gangway-prod@sha256:" + hex64, Ref{"127.0.0.1:5000", "gangway-prod", "sha256:" + hex64}, ""},
		{"nested path", "localhost/team/gangway-test@sha256:" + hex64, Ref{"localhost", "team/gangway-test", "sha256:" + hex64}, ""},
		{"empty", "", Ref{}, "empty"},
		{"tag only", "127.0.0.1:5000/gangway-test:latest", Ref{}, "no @sha256 digest"},
		{"tag and digest", "127.0.0.1:5000/gangway-test:v1@sha256:" + hex64, Ref{}, "ambiguous"},
		{"short digest", "127.0.0.1:5000/gangway-test@sha256:abc", Ref{}, "64 lower-case hex"},
		{"upper-case digest", "127.0.0.1:5000/gangway-test@sha256:" + strings.ToUpper(hex64), Ref{}, "64 lower-case hex"},
		{"sha512", "127.0.0.1:5000/gangway-test@sha512:" + hex64, Ref{}, "64 lower-case hex"},
		{"no registry", "gangway-test@sha256:" + hex64, Ref{}, "no registry host"},
		{"docker hub short", "library/alpine@sha256:" + hex64, Ref{}, "registry host"},
		{"scheme", "https://127.0.0.1:5000/gangway-test@sha256:" + hex64, Ref{}, "scheme"},
		{"shell", "127.0.0.1:5000/gangway-test;rm -rf /@sha256:" + hex64, Ref{}, "repository component"},
		{"upper-case repo", "127.0.0.1:5000/Gangway@sha256:" + hex64, Ref{}, "repository component"},
		{"dot dot", "127.0.0.1:5000/../x@sha256:" + hex64, Ref{}, "repository component"},
		{"trailing newline", "127.0.0.1:5000/gangway-test@sha256:" + hex64 + "\n", Ref{}, "64 lower-case hex"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Parse(%q) error = %v, want one containing %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("Parse(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
			if got.String() != tc.in {
				t.Errorf("String() = %q, want %q", got.String(), tc.in)
			}
		})
	}
}
