package sandbox

import (
	"context"
	"testing"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
)

// racingDocker lists one leftover container that another process is
// already removing: ContainerRemove answers with a conflict, and the
// container is gone after a few inspections.
type racingDocker struct {
	dockerAPI
	inspections int
}

func (d *racingDocker) ContainerList(context.Context, container.ListOptions) ([]container.Summary, error) {
	return []container.Summary{{ID: "0123456789abcdef"}}, nil
}

func (d *racingDocker) ContainerRemove(context.Context, string, container.RemoveOptions) error {
	return errdefs.ErrConflict.WithMessage("removal of container 0123456789abcdef is already in progress")
}

func (d *racingDocker) ContainerInspect(context.Context, string) (container.InspectResponse, error) {
	d.inspections++
	if d.inspections < 3 {
		return container.InspectResponse{}, nil
	}
	return container.InspectResponse{}, errdefs.ErrNotFound.WithMessage("no such container")
}

// TestRemoveWaitsForConcurrentRemoval: a container another codetree is
// removing counts as removed once it is gone, not as an error, and the
// sweep returns only then.
func TestRemoveWaitsForConcurrentRemoval(t *testing.T) {
	t.Parallel()
	d := &racingDocker{}
	s := &Sandbox{docker: d}
	n, err := s.removeWhere(t.Context(), filters.NewArgs(), func(container.Summary) bool { return true })
	if err != nil || n != 1 {
		t.Fatalf("removeWhere = %d, %v; want 1, nil", n, err)
	}
	if d.inspections != 3 {
		t.Errorf("%d inspections, want 3 (wait until the container is gone)", d.inspections)
	}
}
