package hostresult

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	line := `GANGWAY_RESULT {"status":"deployed","mode":"deploy","image":"r/a@sha256:abababababababababababababababababababababababababababababababab","slot":"green","seconds":7,"message":"ok"}`
	cases := []struct {
		name    string
		out     string
		want    string
		wantErr bool
	}{
		{"last line", "log\nmore log\n" + line + "\n", "deployed", false},
		{"no newline at end", "log\n" + line, "deployed", false},
		{"only line", line, "deployed", false},
		{"two lines, last wins", strings.Replace(line, "deployed", "failed", 1) + "\n" + line + "\n", "deployed", false},
		{"missing", "log\nlog\n", "", true},
		{"cut inside the json", "log\n" + line[:60], "", true},
		{"marker mid-line", "log " + line, "", true},
		{"empty", "", "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r, err := Parse(c.out)
			if c.wantErr {
				if err == nil {
					t.Fatalf("Parse = %+v, want an error", r)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Status; got != c.want {
				t.Errorf("status = %q, want %q", got, c.want)
			}
		})
	}
}
