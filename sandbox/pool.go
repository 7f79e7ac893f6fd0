package sandbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/codetree/codetree/internal/runner"
)

// poolKey groups runs that can share containers: same image, same
// container-level limits, same required commands, same mounts (fixed when
// a container is created).
type poolKey struct {
	image  string
	need   string
	memory ByteSize
	cpus   float64
	pids   int64
	tmpfs  ByteSize
	mounts string // mountsKey; empty without mounts
}

func keyOf(spec boxSpec) poolKey {
	return poolKey{
		image:  spec.image,
		need:   strings.Join(spec.need, ","),
		memory: spec.limits.Memory,
		cpus:   spec.limits.CPUs,
		pids:   spec.limits.Pids,
		tmpfs:  spec.limits.Tmpfs,
		mounts: mountsKey(spec.mounts),
	}
}

// pool holds up to size warm containers of one key. Each container runs
// one job at a time, so a job's container limits are its own.
type pool struct {
	s     *Sandbox
	spec  boxSpec
	idle  chan *box
	slots chan struct{} // one token per live container
}

func (s *Sandbox) pool(spec boxSpec) *pool {
	k := keyOf(spec)
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pools[k]
	if !ok {
		n := s.cfg.PoolSize
		p = &pool{s: s, spec: spec, idle: make(chan *box, n), slots: make(chan struct{}, n)}
		s.pools[k] = p
	}
	return p
}

// errClosed is returned by runs that start after Close.
var errClosed = errors.New("sandbox is closed")

// get returns an idle container, starting one if the pool has room, or
// waits for one to come back.
func (p *pool) get(ctx context.Context) (*box, error) {
	select {
	case b := <-p.idle:
		return b, nil
	default:
	}
	select {
	case b := <-p.idle:
		return b, nil
	case p.slots <- struct{}{}:
		b, err := p.s.startBox(ctx, p.spec)
		if err != nil {
			<-p.slots
			return nil, err
		}
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// put returns a container to the pool, or retires it after an anomaly or
// once it has served RecycleAfter jobs.
func (p *pool) put(b *box, healthy bool) {
	p.s.mu.Lock()
	closed := p.s.closed
	p.s.mu.Unlock()
	if healthy && !closed && b.jobs < p.s.cfg.RecycleAfter {
		p.idle <- b
		return
	}
	p.retire(b)
}

func (p *pool) retire(b *box) {
	p.s.removeAsync(b)
	<-p.slots
}

// drain retires every idle container.
func (p *pool) drain() {
	for {
		select {
		case b := <-p.idle:
			p.retire(b)
		default:
			return
		}
	}
}

func (p *pool) run(ctx context.Context, job runner.Job, sink *exportSink, t *jobTimer) (Result, error) {
	p.s.mu.Lock()
	closed := p.s.closed
	p.s.mu.Unlock()
	if closed {
		return Result{}, errClosed
	}
	b, err := p.get(ctx)
	if err != nil {
		return Result{}, err
	}
	t.acquired = time.Now()
	rep, err := p.s.do(ctx, b, job, sink, t)
	healthy := err == nil && rep.Clean && rep.Anomaly == ""
	if err == nil && !healthy {
		p.s.log.Info("recycle sandbox container", "container", shortID(b.id), "anomaly", rep.Anomaly, "clean", rep.Clean)
	}
	p.put(b, healthy)
	res, err := p.s.verdict(job, rep, err, sink)
	p.s.reportTiming(t, rep)
	return res, err
}

// Warm starts up to n containers for runs like req ahead of time, so the
// first runs do not pay for container start-up. Only pool mode keeps them.
func (s *Sandbox) Warm(ctx context.Context, req Request, n int) error {
	if s.cfg.Mode != ModePool {
		return nil
	}
	if req.Command == nil {
		req.Command = []string{"true"}
	}
	spec, err := s.specFor(ctx, req)
	if err != nil {
		return err
	}
	p := s.pool(spec)
	var boxes []*box
	defer func() {
		for _, b := range boxes {
			p.put(b, true)
		}
	}()
	for range min(n, s.cfg.PoolSize) {
		b, err := p.get(ctx)
		if err != nil {
			return fmt.Errorf("warm sandbox pool: %w", err)
		}
		boxes = append(boxes, b)
	}
	return nil
}
