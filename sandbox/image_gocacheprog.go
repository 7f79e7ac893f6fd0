//go:build ignore

// Command codetree-gocache is the GOCACHEPROG of codetree's Go sandbox image.
// It is not part of package sandbox: the image build embeds this file and
// compiles it inside the image with the image's own Go toolchain.
//
// Why it exists: sandbox jobs run on a read-only root filesystem, so the
// build cache baked into the image cannot be written. The go command
// tolerates most failed cache writes, but not all: when a package's source
// files are more than two seconds old, it indexes the package and a failed
// write of that index entry is fatal ("open .../xx/...-d: read-only file
// system"). GODEBUG=goindex=0 avoids that but costs 30-50 ms per go
// command. This program keeps the baked cache as a read-only layer and
// writes new entries to a per-job folder, so every write succeeds and the
// warm cache keeps its speed.
//
// Usage:
//
//	codetree-gocache [-w DIR] [READONLY_DIR...]
//
// Entries are looked up in DIR, then in each READONLY_DIR; new entries are
// written to DIR (default: $TMPDIR/codetree-gocache-UID, created on the
// first write). Each entry is two files: ACTIONID-a holds "OUTPUTID SIZE
// UNIXNANO" and OUTPUTID-d the body. The protocol is the one of the go
// command's cmd/go/internal/cacheprog package (Go 1.24 and later).
package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

type request struct {
	ID       int64
	Command  string
	ActionID []byte `json:",omitempty"`
	OutputID []byte `json:",omitempty"`
	BodySize int64  `json:",omitempty"`
}

type response struct {
	ID            int64
	Err           string     `json:",omitempty"`
	KnownCommands []string   `json:",omitempty"`
	Miss          bool       `json:",omitempty"`
	OutputID      []byte     `json:",omitempty"`
	Size          int64      `json:",omitempty"`
	Time          *time.Time `json:",omitempty"`
	DiskPath      string     `json:",omitempty"`
}

type store struct {
	write string   // where puts go; created on first use
	read  []string // write first, then the read-only layers
	ready bool     // write exists
}

func main() {
	w := flag.String("w", "", "folder for new entries (default $TMPDIR/codetree-gocache-UID)")
	flag.Parse()
	s := &store{write: *w}
	if s.write == "" {
		s.write = filepath.Join(os.TempDir(), fmt.Sprintf("codetree-gocache-%d", os.Getuid()))
	}
	s.read = append([]string{s.write}, flag.Args()...)
	if err := serve(s, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "codetree-gocache:", err)
		os.Exit(1)
	}
}

func serve(s *store, in io.Reader, out io.Writer) error {
	dec := json.NewDecoder(bufio.NewReaderSize(in, 64<<10))
	bw := bufio.NewWriter(out)
	enc := json.NewEncoder(bw)
	send := func(r response) error {
		if err := enc.Encode(r); err != nil {
			return err
		}
		return bw.Flush()
	}
	if err := send(response{KnownCommands: []string{"get", "put", "close"}}); err != nil {
		return err
	}
	for {
		var req request
		if err := dec.Decode(&req); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read request: %w", err)
		}
		var body []byte
		if req.Command == "put" && req.BodySize > 0 {
			// The body follows as a base64 JSON string, which
			// encoding/json decodes into a []byte.
			if err := dec.Decode(&body); err != nil {
				return fmt.Errorf("read body of request %d: %w", req.ID, err)
			}
			if int64(len(body)) != req.BodySize {
				return fmt.Errorf("request %d: body of %d bytes, want %d", req.ID, len(body), req.BodySize)
			}
		}
		var res response
		switch req.Command {
		case "get":
			res = s.get(req.ActionID)
		case "put":
			res = s.put(req.ActionID, req.OutputID, body)
		case "close":
			return send(response{ID: req.ID})
		default:
			res = response{Err: "unknown command " + strconv.Quote(req.Command)}
		}
		res.ID = req.ID
		if err := send(res); err != nil {
			return err
		}
	}
}

func (s *store) get(action []byte) response {
	name := hex.EncodeToString(action) + "-a"
	for _, dir := range s.read {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		f := strings.Fields(string(b))
		if len(f) != 3 {
			continue
		}
		out, err1 := hex.DecodeString(f[0])
		size, err2 := strconv.ParseInt(f[1], 10, 64)
		nano, err3 := strconv.ParseInt(f[2], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		path := filepath.Join(dir, f[0]+"-d")
		if fi, err := os.Stat(path); err != nil || fi.Size() != size {
			continue
		}
		t := time.Unix(0, nano)
		return response{OutputID: out, Size: size, Time: &t, DiskPath: path}
	}
	return response{Miss: true}
}

func (s *store) put(action, output, body []byte) response {
	if !s.ready {
		if err := os.MkdirAll(s.write, 0o700); err != nil {
			return response{Err: err.Error()}
		}
		s.ready = true
	}
	outHex := hex.EncodeToString(output)
	path := filepath.Join(s.write, outHex+"-d")
	if fi, err := os.Stat(path); err != nil || fi.Size() != int64(len(body)) {
		if err := writeAtomic(path, body); err != nil {
			return response{Err: err.Error()}
		}
	}
	entry := fmt.Sprintf("%s %d %d\n", outHex, len(body), time.Now().UnixNano())
	if err := writeAtomic(filepath.Join(s.write, hex.EncodeToString(action)+"-a"), []byte(entry)); err != nil {
		return response{Err: err.Error()}
	}
	return response{DiskPath: path}
}

// writeAtomic writes b to path through a temporary file and a rename, so
// that concurrent go commands never read a partial entry.
func writeAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
