package localworld

import (
	"fmt"
	"net"
	"net/http"
	"testing"
)

func TestMotoAnswers(t *testing.T) {
	t.Parallel()
	m := MotoT(t)
	resp, err := http.Get(m.Endpoint + "/moto-api/")
	if err != nil {
		t.Fatalf("GET moto-api: %v", err)
	}
	resp.Body.Close()
	if got, want := resp.StatusCode, http.StatusOK; got != want {
		t.Errorf("moto-api status = %d, want %d", got, want)
	}
}

func TestPostgresAcceptsConnections(t *testing.T) {
	t.Parallel()
	p := postgresT(t)
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", p.Port))
	if err != nil {
		t.Fatalf("dialing postgres: %v", err)
	}
	c.Close()
}

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

// Ports are never handed out twice in a process, within a call or across
// calls: the load balancer once got its HTTPS port twice, and HAProxy
// shared it between two frontends; a host's slot ports stay unbound until
// a release is published on them.
func TestFreePortsAreNeverHandedOutTwice(t *testing.T) {
	seen := map[int]bool{}
	note := func(ports []int) {
		for _, p := range ports {
			if seen[p] {
				t.Fatalf("port %d handed out twice", p)
			}
			seen[p] = true
		}
	}
	ports, err := FreePorts(64)
	if err != nil {
		t.Fatal(err)
	}
	note(ports)
	for range 1000 {
		p, err := FreePort()
		if err != nil {
			t.Fatal(err)
		}
		note([]int{p})
	}
	if _, err := FreePorts(-1); err == nil {
		t.Error("FreePorts(-1) returned no error")
	}
}
