package components

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"sync"
	"time"
)

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago and
// that no earlier call in this process returned.
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

// waitTCP polls addr until it accepts a connection, limit passes or the
// context ends.
func waitTCP(ctx context.Context, addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("waiting for %s: %w", addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// RandomHex returns n random bytes as hex, for unique names and passwords.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
