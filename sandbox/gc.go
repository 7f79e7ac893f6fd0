package sandbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"golang.org/x/sync/errgroup"
)

// sweep removes containers labelled as codetree's whose owning harness
// process is gone (all of them with all=true) and returns how many it
// removed.
func (s *Sandbox) sweep(ctx context.Context, all bool) (int, error) {
	host, _ := os.Hostname()
	return s.removeWhere(ctx, filters.NewArgs(filters.Arg("label", labelManaged+"=true")), func(c container.Summary) bool {
		if all {
			return true
		}
		// Containers without an owner label (say, a hand-run `docker run`
		// of a codetree image, which inherits the image's labels) are not
		// a harness's leftovers.
		o, ok := parseOwner(c.Labels[labelOwner])
		return ok && !o.alive(host)
	})
}

// sweepOwn removes every container this process started.
func (s *Sandbox) sweepOwn(ctx context.Context) (int, error) {
	return s.removeWhere(ctx, filters.NewArgs(filters.Arg("label", labelOwner+"="+s.owner.String())), func(container.Summary) bool { return true })
}

func (s *Sandbox) removeWhere(ctx context.Context, f filters.Args, match func(container.Summary) bool) (int, error) {
	list, err := s.docker.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		return 0, fmt.Errorf("list sandbox containers: %w", err)
	}
	var g errgroup.Group
	g.SetLimit(8)
	errs := make([]error, len(list))
	n := 0
	for i, c := range list {
		if !match(c) {
			continue
		}
		n++
		g.Go(func() error {
			err := s.removeContainer(ctx, c.ID)
			if errdefs.IsConflict(err) {
				// Another codetree process is removing it: wait for that.
				err = s.waitGone(ctx, c.ID)
			}
			if err != nil && !isNotFound(err) {
				errs[i] = fmt.Errorf("remove container %s: %w", shortID(c.ID), err)
			}
			return nil
		})
	}
	_ = g.Wait()
	return n, errors.Join(errs...)
}

// waitGone waits up to 30 s for a container being removed to be gone.
func (s *Sandbox) waitGone(ctx context.Context, id string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		_, err := s.docker.ContainerInspect(ctx, id)
		if err != nil {
			return err // not found: gone
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("container %s still there: %w", shortID(id), ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// GC removes sandbox containers left behind by harness processes that
// are no longer running (every codetree container with all=true) and
// returns how many it removed.
func (s *Sandbox) GC(ctx context.Context, all bool) (int, error) {
	return s.sweep(ctx, all)
}
