package localworld

import (
	"net/http"
	"testing"
)

func TestRegistryServesAPI(t *testing.T) {
	t.Parallel()
	r := RegistryT(t)
	resp, err := http.Get("http://" + r.Host + "/v2/_catalog")
	if err != nil {
		t.Fatalf("GET catalog: %v", err)
	}
	resp.Body.Close()
	if got, want := resp.StatusCode, http.StatusOK; got != want {
		t.Errorf("catalog status = %d, want %d", got, want)
	}
}
