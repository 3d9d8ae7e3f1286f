package main

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

var debugAddrRE = regexp.MustCompile(`"debug_addr":"([^"]+)"`)

func TestDebugListenerOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	off := startApp(t, map[string]string{})
	if strings.Contains(off.Logs.String(), "debug_addr") {
		t.Errorf("a debug listener started without DEBUG_ADDR:\n%s", off.Logs.String())
	}
	if got, want := get(t, off.URL+"/debug/pprof/").Status, http.StatusNotFound; got != want {
		t.Errorf("GET /debug/pprof/ on the service's port = %d, want %d", got, want)
	}

	on := startApp(t, map[string]string{"DEBUG_ADDR": "127.0.0.1:0"})
	m := debugAddrRE.FindStringSubmatch(on.Logs.String())
	if m == nil {
		t.Fatalf("no debug_addr logged with DEBUG_ADDR set:\n%s", on.Logs.String())
	}
	if got, want := get(t, "http://"+m[1]+"/debug/pprof/cmdline").Status, http.StatusOK; got != want {
		t.Errorf("GET /debug/pprof/cmdline on DEBUG_ADDR = %d, want %d", got, want)
	}
	if got, want := get(t, on.URL+"/debug/pprof/").Status, http.StatusNotFound; got != want {
		t.Errorf("GET /debug/pprof/ on the service's port = %d, want %d (pprof belongs to DEBUG_ADDR only)", got, want)
	}
}

func TestValidDebugAddr(t *testing.T) {
	t.Parallel()
	cases := []struct {
		addr string
		ok   bool
	}{
		{"", true},
		{"127.0.0.1:6060", true},
		{"localhost:6060", true},
		{"[::1]:0", true},
		{"0.0.0.0:6060", false},
		{":6060", false},
		{"10.0.0.1:6060", false},
		{"example.com:6060", false},
		{"6060", false},
		{"127.0.0.1:http-nope", false},
	}
	for _, c := range cases {
		if err := validDebugAddr(c.addr); (err == nil) != c.ok {
			t.Errorf("validDebugAddr(%q) = %v, want ok %v", c.addr, err, c.ok)
		}
	}
}
