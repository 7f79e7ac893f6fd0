package runner

import (
	"errors"
	"io"
	"os"
)

// capture keeps the first limit bytes read from a pipe and calls over,
// once, as soon as more arrive; it then reads on, discarding, until EOF so
// that writers never block on a full pipe while they are being killed.
type capture struct {
	limit     int64
	buf       []byte
	truncated bool
	over      func()
	err       error
}

func (c *capture) drain(r *os.File) {
	chunk := make([]byte, 32<<10)
	for {
		n, err := r.Read(chunk)
		if n > 0 {
			c.keep(chunk[:n])
		}
		if err != nil {
			if err != io.EOF && !errors.Is(err, os.ErrClosed) {
				c.err = err
			}
			return
		}
	}
}

func (c *capture) keep(b []byte) {
	if c.truncated {
		return
	}
	room := c.limit - int64(len(c.buf))
	if int64(len(b)) > room {
		c.buf = append(c.buf, b[:room]...)
		c.truncated = true
		c.over()
		return
	}
	c.buf = append(c.buf, b...)
}
