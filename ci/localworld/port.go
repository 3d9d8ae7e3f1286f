package localworld

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"sync"
	"time"
)

// ErrMissing reports that a component's program is not installed.
var ErrMissing = errors.New("component not installed")

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	ports, err := FreePorts(1)
	if err != nil {
		return 0, err
	}
	return ports[0], nil
}

// handedOut are the ports this process's FreePorts returned: a port handed
// out may stay unbound for a while (a host's blue and green slots until a
// release is published on them), and the kernel readily offers a closed
// port again.
var (
	handedOutMu sync.Mutex
	handedOut   = map[int]bool{}
)

// FreePorts returns n distinct TCP ports on 127.0.0.1 that were free a
// moment ago and that no earlier call in this process returned. It holds
// every port it tries until it has all of them: ports taken one at a time
// may repeat, and two servers told the same port share it if they both set
// SO_REUSEPORT, as HAProxy does by default.
func FreePorts(n int) ([]int, error) {
	if n < 0 {
		return nil, fmt.Errorf("finding %d free ports: a count cannot be negative", n)
	}
	handedOutMu.Lock()
	defer handedOutMu.Unlock()
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for len(ports) < n {
		if len(held) > n+1000 {
			return nil, fmt.Errorf("finding %d free ports: the kernel offered only ports handed out before", n)
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("finding a free port: %w", err)
		}
		held = append(held, l)
		if port := l.Addr().(*net.TCPAddr).Port; !handedOut[port] {
			handedOut[port] = true
			ports = append(ports, port)
		}
	}
	return ports, nil
}

// lookPath finds program on PATH, or returns an error wrapping ErrMissing
// that says how to install it.
func lookPath(program, install string) (string, error) {
	path, err := exec.LookPath(program)
	if err != nil {
		return "", fmt.Errorf("%s: %w (%s)", program, ErrMissing, install)
	}
	return path, nil
}

// waitHTTP polls url until it answers with any HTTP status, the context ends,
// or exited is closed (the process died).
func waitHTTP(ctx context.Context, url string, exited <-chan struct{}) error {
	client := &http.Client{Timeout: time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", url, ctx.Err())
		case <-exited:
			return fmt.Errorf("waiting for %s: the process exited", url)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Listening reports whether something accepts TCP connections at hostPort
// within a second.
func Listening(hostPort string) bool {
	c, err := net.DialTimeout("tcp", hostPort, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
