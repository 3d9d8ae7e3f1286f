package credsfile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// write puts credentials in STS's shape, as the AWS CLI prints them
// (Expiration with a "+00:00" offset), into dir/app-credentials.json by
// rename, as the host does.
func write(t *testing.T, dir, key string, expires time.Time) string {
	t.Helper()
	path := filepath.Join(dir, "app-credentials.json")
	body := fmt.Sprintf(`{
    "AccessKeyId": %q,
    "SecretAccessKey": "secret-%s",
    "SessionToken": "token-%s",
    "Expiration": %q
}
`, key, key, key, expires.UTC().Format("2006-01-02T15:04:05+00:00"))
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(body), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRetrieveReadsTheCLIShape(t *testing.T) {
	expires := time.Now().Add(time.Hour).Truncate(time.Second)
	path := write(t, t.TempDir(), "ASIAFIRST", expires)
	c, err := Source{Path: path}.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c.AccessKeyID != "ASIAFIRST" || c.SecretAccessKey != "secret-ASIAFIRST" || c.SessionToken != "token-ASIAFIRST" {
		t.Errorf("credentials = %+v", c)
	}
	if !c.CanExpire || !c.Expires.Equal(expires) {
		t.Errorf("expiry = %v %v, want %v", c.CanExpire, c.Expires, expires)
	}
}

func TestRetrieveRefusesWithoutEchoingTheFile(t *testing.T) {
	dir := t.TempDir()
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	for _, tc := range []struct {
		name, body, want string
	}{
		{"not json", `AccessKeyId=ASIASECRETVALUE`, "is not STS credentials JSON"},
		{"no key", `{"SecretAccessKey":"s3cr3t","SessionToken":"t","Expiration":"` + future + `"}`, "has no AccessKeyId"},
		{"no token", `{"AccessKeyId":"a","SecretAccessKey":"s3cr3t","Expiration":"` + future + `"}`, "has no SessionToken"},
		{"no expiration", `{"AccessKeyId":"a","SecretAccessKey":"s3cr3t","SessionToken":"t"}`, "has no Expiration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".json")
			if err := os.WriteFile(path, []byte(tc.body), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Source{Path: path}.Retrieve(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("err = %v, want %q naming %s", err, tc.want, path)
			}
			for _, secret := range []string{"SECRETVALUE", "s3cr3t"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("the error shows the file's content: %v", err)
				}
			}
		})
	}
	t.Run("missing", func(t *testing.T) {
		_, err := Source{Path: filepath.Join(dir, "none.json")}.Retrieve(context.Background())
		if err == nil || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "gangway-app-credentials") {
			t.Fatalf("err = %v, want a not-exist error that names the host service", err)
		}
	})
	t.Run("expired", func(t *testing.T) {
		path := write(t, t.TempDir(), "ASIAOLD", time.Now().Add(-time.Minute))
		_, err := Source{Path: path}.Retrieve(context.Background())
		if err == nil || !strings.Contains(err.Error(), "expired at") || !strings.Contains(err.Error(), "gangway-app-credentials.timer") {
			t.Fatalf("err = %v, want expired with the timer to check", err)
		}
	})
}

// The provider keeps credentials until they near their expiry, then reads
// the file again and finds the host's newer one.
func TestProviderReadsTheFileAgainNearExpiry(t *testing.T) {
	dir := t.TempDir()
	path := write(t, dir, "ASIANEAREXPIRY", time.Now().Add(ExpiryWindow-time.Minute))
	p := NewProvider(path)
	key := func() string {
		t.Helper()
		c, err := p.Retrieve(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return c.AccessKeyID
	}
	if got := key(); got != "ASIANEAREXPIRY" {
		t.Fatalf("first = %s", got)
	}
	write(t, dir, "ASIAFRESH", time.Now().Add(time.Hour))
	if got := key(); got != "ASIAFRESH" {
		t.Fatalf("within the expiry window the file is read again: got %s, want ASIAFRESH", got)
	}
	write(t, dir, "ASIANEWER", time.Now().Add(time.Hour))
	if got := key(); got != "ASIAFRESH" {
		t.Fatalf("fresh credentials are cached: got %s, want ASIAFRESH", got)
	}
}
