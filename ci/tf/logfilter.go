package tf

import (
	"bytes"
	"io"
	"sync"
)

// jsonFilter passes terraform's human output to w and drops the JSON that
// terraform-exec reads through the same stream (`show -json`, `output
// -json`, and its own `version -json` checks): a whole-line JSON document,
// or a pretty-printed one from a line "{" to a line "}".
type jsonFilter struct {
	mu      sync.Mutex
	w       io.Writer
	partial []byte
	inBlock bool
}

func (f *jsonFilter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.partial = append(f.partial, p...)
	for {
		i := bytes.IndexByte(f.partial, '\n')
		if i < 0 {
			break
		}
		line := f.partial[:i+1]
		trimmed := bytes.TrimSpace(line)
		switch {
		case f.inBlock:
			if bytes.Equal(trimmed, []byte("}")) {
				f.inBlock = false
			}
		case bytes.Equal(trimmed, []byte("{")):
			f.inBlock = true
		case bytes.HasPrefix(trimmed, []byte(`{"`)) && bytes.HasSuffix(trimmed, []byte("}")):
		default:
			if _, err := f.w.Write(line); err != nil {
				return len(p), err
			}
		}
		f.partial = f.partial[i+1:]
	}
	return len(p), nil
}
