package imageref

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/gangway-dev/gangway/ci/imageref/reftest"
)

func TestParseAgreesWithTheSharedTable(t *testing.T) {
	t.Parallel()
	for _, c := range reftest.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(c.Ref)
			if c.Valid != (err == nil) {
				t.Fatalf("Parse(%q) error = %v, want valid = %v", c.Ref, err, c.Valid)
			}
			if err == nil && got.String() != c.Ref {
				t.Errorf("Parse(%q).String() = %q", c.Ref, got.String())
			}
		})
	}
}

// TestPatternIsPOSIX runs Pattern through grep -E, as the workflows do, on
// every row: RE2 and POSIX ERE must give the same answers.
func TestPatternIsPOSIX(t *testing.T) {
	t.Parallel()
	grep, err := exec.LookPath("grep")
	if err != nil {
		t.Fatal("grep is needed to check the workflows' pattern:", err)
	}
	for _, c := range reftest.Cases() {
		if strings.ContainsAny(c.Ref, "\n") {
			continue // grep reads lines; the workflows reject multi-line input before grep (printf '%s' of one value)
		}
		cmd := exec.Command(grep, "-Eq", Pattern)
		cmd.Stdin = strings.NewReader(c.Ref)
		err := cmd.Run()
		if got := err == nil; got != c.Valid {
			t.Errorf("grep -E Pattern on %q (%s): matched = %v, want %v", c.Ref, c.Name, got, c.Valid)
		}
	}
}

func TestParseSaysWhatIsWrong(t *testing.T) {
	t.Parallel()
	h := strings.Repeat("0123456789abcdef", 4)
	cases := []struct{ name, in, want string }{
		{"empty", "", "empty"},
		{"tag only", "127.0.0.1:5000/gangway-test:latest", "no @sha256 digest"},
		{"tag and digest", "127.0.0.1:5000/gangway-test:v1@sha256:" + h, "ambiguous"},
		{"short digest", "127.0.0.1:5000/gangway-test@sha256:abc", "64 lower-case hex"},
		{"docker hub", "library/alpine@sha256:" + h, "registry host"},
		{"scheme", "https://127.0.0.1:5000/x@sha256:" + h, "scheme"},
		{"component", "127.0.0.1:5000/Gangway@sha256:" + h, "repository component"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if _, err := Parse(c.in); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Parse(%q) error = %v, want it to contain %q", c.in, err, c.want)
			}
		})
	}
}

func TestFromPushed(t *testing.T) {
	t.Parallel()
	h := strings.Repeat("0123456789abcdef", 4)
	repo := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/gangway-test"
	cases := []struct{ in, want, wantErr string }{
		{repo + ":abc123-f00@sha256:" + h, repo + "@sha256:" + h, ""},
		{"127.0.0.1:5000/gangway-test:t@sha256:" + h, "127.0.0.1:5000/gangway-test@sha256:" + h, ""},
		{"127.0.0.1:5000/gangway-test@sha256:" + h, "127.0.0.1:5000/gangway-test@sha256:" + h, ""},
		{repo + ":abc", "", "no digest"},
	}
	for _, c := range cases {
		got, err := FromPushed(c.in)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("FromPushed(%q) error = %v, want %q", c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil || got.String() != c.want {
			t.Errorf("FromPushed(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestWithNameAndRepositoryName(t *testing.T) {
	t.Parallel()
	h := strings.Repeat("0123456789abcdef", 4)
	r, err := Parse("127.0.0.1:5000/team/gangway-test@sha256:" + h)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.RepositoryName(), "gangway-test"; got != want {
		t.Errorf("RepositoryName() = %q, want %q", got, want)
	}
	p, err := r.WithName("127.0.0.1:5000/team/gangway-prod/")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.String(), "127.0.0.1:5000/team/gangway-prod@sha256:"+h; got != want {
		t.Errorf("WithName = %q, want %q", got, want)
	}
	if _, err := r.WithName("Not A Repo"); err == nil {
		t.Error("WithName accepted a bad repository name")
	}
}

func TestParseDigest(t *testing.T) {
	t.Parallel()
	good := "sha256:" + strings.Repeat("ab", 32)
	cases := []struct {
		name, in, want string // want: "" for accepted, else part of the error
	}{
		{"digest", good, ""},
		{"upper case", strings.ToUpper(good), "64 lower-case hex"},
		{"short", good[:70], "64 lower-case hex"},
		{"other algorithm", "sha512:" + strings.Repeat("ab", 32), "64 lower-case hex"},
		{"a whole reference", "r.example.com/app@" + good, "without the repository"},
		{"empty", "", "64 lower-case hex"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseDigest(c.in)
			if c.want == "" {
				if err != nil || got != c.in {
					t.Errorf("ParseDigest(%q) = %q, %v; want it accepted", c.in, got, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("ParseDigest(%q) error = %v, want one mentioning %q", c.in, err, c.want)
			}
		})
	}
}
