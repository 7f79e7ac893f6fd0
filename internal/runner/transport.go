package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
)

// serveMain serves jobs as Main does: over standard input and output, or,
// when Config.Socket is set, over a connection to that unix socket (the
// Hello still goes to standard output). The harness listens on the socket
// only until this one connection arrives, in a folder that only root may
// enter, so no job can ever connect to it.
func serveMain(ctx context.Context, s *Server) error {
	if s.cfg.Socket == "" {
		return s.Serve(ctx, os.Stdin, os.Stdout)
	}
	conn, err := net.Dial("unix", s.cfg.Socket)
	if err != nil {
		h := Hello{Version: s.cfg.Version, Reason: fmt.Sprintf("connect to the harness's socket: %v", err)}
		_ = json.NewEncoder(os.Stdout).Encode(h)
		return fmt.Errorf("%w: %s", ErrNotReady, h.Reason)
	}
	defer conn.Close()
	return s.ServeOn(ctx, os.Stdout, conn, conn)
}
