package sandbox

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
)

// Image labels. Containers inherit them, so the sweep of leftover sandbox
// containers (labelManaged) also finds containers started from these
// images by hand.
const (
	labelImageLang     = "io.codetree.lang"
	labelImageRecipe   = "io.codetree.recipe"
	labelImagePackages = "io.codetree.packages"
	labelImageMirror   = "io.codetree.mirror"
	labelImageTool     = "io.codetree.bootstrap"
	labelImageGo       = "io.codetree.go-version"
)

// ImageBuilder builds codetree's sandbox images on a Docker daemon without
// a registry: Debian's root filesystem from the host's apt mirror (with
// mmdebstrap or debootstrap), imported, set up in a container and
// committed, then checked under sandbox conditions.
type ImageBuilder struct {
	docker dockerAPI
	log    *slog.Logger
	owner  owner
}

// BuildOptions tune one Build.
type BuildOptions struct {
	// Force rebuilds even when an image of the current recipe exists.
	Force bool
	// Progress receives the output of the bootstrap tool and of the setup
	// and check scripts; nil discards it.
	Progress io.Writer
	// Mirror is the Debian mirror URL; empty means the one the host's apt
	// sources use for the recipe's suite.
	Mirror string
}

// ImageInfo describes a sandbox image on the daemon.
type ImageInfo struct {
	Tag     string // codetree-<lang>:<recipe hash prefix>; "" when untagged
	ID      string
	Lang    Lang
	Recipe  string // the full recipe hash
	Size    ByteSize
	Created time.Time
	// Current is true when the image is what Build would make now.
	Current bool
	// Built is set by Build when this call built the image (false: it
	// was already there).
	Built bool
	// Packages is the image's Debian package list ("name=version").
	Packages []string
}

// NewImageBuilder connects to the Docker daemon at host (empty: DOCKER_HOST
// or the local socket).
func NewImageBuilder(ctx context.Context, host string, log *slog.Logger) (*ImageBuilder, error) {
	cli, err := connect(ctx, host)
	if err != nil {
		return nil, err
	}
	return newImageBuilder(cli, log), nil
}

func newImageBuilder(d dockerAPI, log *slog.Logger) *ImageBuilder {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &ImageBuilder{docker: d, log: log, owner: newOwner()}
}

// Close releases the Docker client.
func (b *ImageBuilder) Close() error { return b.docker.Close() }

// Build makes the image of lang's current recipe unless it exists already
// (or opts.Force), and returns it. Building needs root and mmdebstrap (or
// debootstrap), the host's Debian mirror and, for Go, the host's Go
// toolchain, whose GOROOT is copied into the image.
func (b *ImageBuilder) Build(ctx context.Context, lang Lang, opts BuildOptions) (ImageInfo, error) {
	start := time.Now()
	r, err := currentRecipe(lang)
	if err != nil {
		return ImageInfo{}, err
	}
	tag := r.Tag()
	var oldID string
	switch old, err := b.docker.ImageInspect(ctx, tag); {
	case err == nil && !opts.Force:
		info := imageInfoFrom(old.ID, old.RepoTags, old.Config.Labels, old.Size, parseDockerTime(old.Created))
		info.Tag = tag
		return info, nil
	case err == nil:
		oldID = old.ID
	case !errdefs.IsNotFound(err):
		return ImageInfo{}, fmt.Errorf("inspect image %s: %w", tag, err)
	}

	tool, err := findBootstrapTool()
	if err != nil {
		return ImageInfo{}, err
	}
	mirror := opts.Mirror
	if mirror == "" {
		if mirror, err = hostMirror("/", r.Suite); err != nil {
			return ImageInfo{}, err
		}
	}
	var tc goToolchain
	if lang == LangGo {
		if tc, err = hostGo(); err != nil {
			return ImageInfo{}, err
		}
	}
	progress := opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	b.log.Info("building image", "lang", lang, "tag", tag, "tool", tool.Name, "mirror", mirror)
	fmt.Fprintf(progress, "codetree: building %s with %s from %s\n", tag, tool.Name, mirror)

	rootfs, err := b.importRootfs(ctx, r, tool, mirror, tc, progress)
	if err != nil {
		return ImageInfo{}, err
	}
	b.log.Info("imported root filesystem", "lang", lang, "image", rootfs, "duration_ms", time.Since(start).Milliseconds())
	labels := map[string]string{
		labelManaged:     "true",
		labelImageLang:   string(lang),
		labelImageRecipe: r.Hash(),
		labelImageMirror: mirror,
		labelImageTool:   tool.Name,
	}
	if tc.Version != "" {
		labels[labelImageGo] = tc.Version
	}
	id, err := b.setupAndCommit(ctx, r, rootfs, tag, labels, progress)
	if err != nil {
		b.removeImage(ctx, rootfs)
		return ImageInfo{}, err
	}
	if oldID != "" && oldID != id {
		b.removeImage(ctx, oldID) // best effort: containers may still use it
	}
	got, err := b.docker.ImageInspect(ctx, tag)
	if err != nil {
		return ImageInfo{}, fmt.Errorf("inspect built image %s: %w", tag, err)
	}
	info := imageInfoFrom(got.ID, got.RepoTags, got.Config.Labels, got.Size, parseDockerTime(got.Created))
	info.Tag, info.Built = tag, true
	b.log.Info("built image", "lang", lang, "tag", tag, "size", info.Size, "duration_ms", time.Since(start).Milliseconds())
	return info, nil
}

// List returns codetree's sandbox images on the daemon, newest first.
func (b *ImageBuilder) List(ctx context.Context) ([]ImageInfo, error) {
	list, err := b.docker.ImageList(ctx, image.ListOptions{Filters: filters.NewArgs(filters.Arg("label", labelImageLang))})
	if err != nil {
		return nil, fmt.Errorf("list images: %w", err)
	}
	out := make([]ImageInfo, 0, len(list))
	for _, s := range list {
		out = append(out, imageInfoFrom(s.ID, s.RepoTags, s.Labels, s.Size, time.Unix(s.Created, 0)))
	}
	slices.SortStableFunc(out, func(a, b ImageInfo) int { return b.Created.Compare(a.Created) })
	return out, nil
}

// imageInfoFrom reads what the labels say; Current compares the recipe
// hash with the one this binary would build (false when that is unknown,
// e.g. Go without a host toolchain).
func imageInfoFrom(id string, tags []string, labels map[string]string, size int64, created time.Time) ImageInfo {
	info := ImageInfo{
		ID:      id,
		Lang:    Lang(labels[labelImageLang]),
		Recipe:  labels[labelImageRecipe],
		Size:    ByteSize(size),
		Created: created,
	}
	info.Tag = codetreeTag(tags)
	if p := labels[labelImagePackages]; p != "" {
		info.Packages = strings.Fields(p)
	}
	if r, err := currentRecipe(info.Lang); err == nil {
		info.Current = r.Hash() == info.Recipe
	}
	return info
}

// codetreeTag picks the codetree-LANG:HASH tag among an image's tags.
// Podman names a loaded or imported image localhost/codetree-LANG:HASH
// and resolves the short name to it: the prefix is dropped, unless the
// image also has the plain tag.
func codetreeTag(tags []string) string {
	for _, t := range tags {
		if strings.HasPrefix(t, "codetree-") {
			return t
		}
	}
	for _, t := range tags {
		if rest, ok := strings.CutPrefix(t, "localhost/"); ok && strings.HasPrefix(rest, "codetree-") {
			return rest
		}
	}
	return ""
}

func parseDockerTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// importRootfs makes the root filesystem of r and imports it as an
// untagged image, whose ID it returns. With mmdebstrap and nothing to add,
// the tarball streams from mmdebstrap into the daemon; otherwise the tool
// writes a folder, which is streamed with the recipe's files and the
// host's GOROOT. Temporary files are removed before it returns, after a
// cancellation too.
func (b *ImageBuilder) importRootfs(ctx context.Context, r recipe, tool bootstrapTool, mirror string, tc goToolchain, progress io.Writer) (string, error) {
	// Everything the tool writes goes under work, its TMPDIR included
	// (mmdebstrap builds there when it writes a tarball), so that one
	// careful removal cleans up after a cancelled or failed run too.
	work, err := os.MkdirTemp("", "codetree-image-")
	if err != nil {
		return "", fmt.Errorf("make build folder: %w", err)
	}
	defer func() {
		if err := removeRootfs(work); err != nil {
			b.log.Error("remove build folder", "err", err)
		}
	}()
	tmp := filepath.Join(work, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return "", fmt.Errorf("make build folder: %w", err)
	}
	toolOut := newOutputTail(progress, 8<<10)
	if tool.Name == "mmdebstrap" && len(r.Files) == 0 && tc.Root == "" {
		return b.importStream(ctx, r, tool, mirror, tmp, toolOut)
	}
	dir := filepath.Join(work, "rootfs")
	cmd := bootstrapCommand(ctx, tool, tmp, bootstrapArgs(tool, r, mirror, dir))
	cmd.Stdout, cmd.Stderr = toolOut, toolOut
	if err := cmd.Run(); err != nil {
		return "", toolError(ctx, tool, err, toolOut)
	}
	for name, body := range r.Files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", fmt.Errorf("add %s to the root filesystem: %w", name, err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return "", fmt.Errorf("add %s to the root filesystem: %w", name, err)
		}
	}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		tw := tar.NewWriter(pw)
		// debootstrap leaves apt's downloads and indexes behind.
		exclude := append(slices.Clone(r.Exclude), "/var/cache/apt/*.bin", "/var/cache/apt/archives/*.deb", "/var/lib/apt/lists/*_*")
		err := tarTree(ctx, tw, dir, "/", newPathFilter(exclude, r.Include), nil, false)
		if err == nil && tc.Root != "" {
			err = tarTree(ctx, tw, tc.Root, goImageRoot, pathFilter{}, r.GoRootExclude, true)
		}
		if err == nil {
			err = tw.Close()
		}
		pw.CloseWithError(err)
		done <- err
	}()
	id, err := b.importTar(ctx, pr, r)
	pr.CloseWithError(errors.New("import ended")) // unblocks the writer if the import failed
	if terr := <-done; terr != nil && err == nil {
		err = fmt.Errorf("tar root filesystem: %w", terr)
	}
	if err != nil && id != "" {
		b.removeImage(ctx, id)
		id = ""
	}
	return id, err
}

// importStream pipes `mmdebstrap ... -` into the daemon.
func (b *ImageBuilder) importStream(ctx context.Context, r recipe, tool bootstrapTool, mirror, tmp string, toolOut *outputTail) (string, error) {
	cmd := bootstrapCommand(ctx, tool, tmp, bootstrapArgs(tool, r, mirror, "-"))
	cmd.Stderr = toolOut
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", fmt.Errorf("run %s: %w", tool.Name, err)
	}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("run %s: %w", tool.Name, err)
	}
	id, ierr := b.importTar(ctx, stdout, r)
	if ierr != nil {
		// The daemon stopped reading: stop the tool.
		_ = stdout.Close()
		_ = cmd.Process.Signal(os.Interrupt)
	}
	werr := cmd.Wait()
	switch {
	case werr != nil:
		// A tarball cut short may still import: never keep it.
		if id != "" {
			b.removeImage(ctx, id)
		}
		return "", toolError(ctx, tool, werr, toolOut)
	case ierr != nil:
		return "", ierr
	}
	return id, nil
}

func toolError(ctx context.Context, tool bootstrapTool, err error, out *outputTail) error {
	if ctx.Err() != nil {
		return fmt.Errorf("run %s: %w", tool.Name, context.Cause(ctx))
	}
	return fmt.Errorf("run %s: %w; its output ends with:\n%s", tool.Name, err, out.String())
}

// importTar sends a root filesystem tarball to the daemon and returns the
// new image's ID.
func (b *ImageBuilder) importTar(ctx context.Context, src io.Reader, r recipe) (string, error) {
	rc, err := b.docker.ImageImport(ctx, image.ImportSource{Source: src, SourceName: "-"}, "",
		image.ImportOptions{Message: fmt.Sprintf("codetree %s root filesystem, recipe %s", r.Lang, r.Hash()[:12])})
	if err != nil {
		return "", fmt.Errorf("import root filesystem: %w", err)
	}
	defer rc.Close()
	var id string
	dec := json.NewDecoder(rc)
	for {
		var m struct {
			Status      string
			Error       string
			ErrorDetail *struct{ Message string }
		}
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return id, fmt.Errorf("import root filesystem: read the daemon's answer: %w", err)
		}
		if m.Error != "" {
			return id, fmt.Errorf("import root filesystem: %s", m.Error)
		}
		if strings.HasPrefix(m.Status, "sha256:") {
			id = strings.TrimSpace(m.Status)
		}
	}
	if id == "" {
		return "", errors.New("import root filesystem: the daemon returned no image ID")
	}
	return id, nil
}

// setupAndCommit runs r.Setup as root in a container of the imported root
// filesystem, commits the result, checks it (r.Check) and only then tags
// it, so that a failed rebuild leaves the image already tagged alone. It
// returns the new image ID.
func (b *ImageBuilder) setupAndCommit(ctx context.Context, r recipe, rootfs, tag string, labels map[string]string, progress io.Writer) (string, error) {
	// No labels on this container: a commit copies them into the image.
	cfg := &container.Config{
		Image:      rootfs,
		Env:        r.Env,
		Cmd:        []string{"/bin/sh", "-c", r.Setup},
		WorkingDir: "/",
	}
	host := &container.HostConfig{
		NetworkMode: "none",
		// A tmpfs keeps the setup's scratch files out of the image.
		Tmpfs: map[string]string{"/tmp": "rw,exec,nosuid,nodev,size=2g,mode=1777"},
	}
	run, err := b.runScript(ctx, cfg, host, progress)
	if run.ID != "" {
		defer b.removeContainer(ctx, run.ID)
	}
	if err != nil {
		return "", fmt.Errorf("set up image: %w", err)
	}
	if run.Exit != 0 {
		return "", fmt.Errorf("set up image: the setup script exited with status %d; its output ends with:\n%s", run.Exit, run.Tail)
	}
	_, list, ok := strings.Cut(run.Stdout, packagesMarker+"\n")
	if !ok {
		return "", fmt.Errorf("set up image: the setup script printed no package list; its output ends with:\n%s", run.Tail)
	}
	labels[labelImagePackages] = strings.Join(strings.Fields(list), " ")
	commit := func(ref string) (string, error) {
		res, err := b.docker.ContainerCommit(ctx, run.ID, container.CommitOptions{
			Reference: ref,
			Comment:   fmt.Sprintf("codetree %s sandbox image, recipe %s", r.Lang, r.Hash()),
			Config: &container.Config{
				Env:        r.Env,
				Cmd:        r.Cmd,
				WorkingDir: r.WorkingDir,
				Labels:     labels,
			},
		})
		if err != nil {
			return "", fmt.Errorf("commit image %s: %w", tag, err)
		}
		return res.ID, nil
	}
	// The second commit shares the first one's layer: only the tag is new.
	candidate, err := commit("")
	if err != nil {
		return "", err
	}
	defer b.removeImage(ctx, candidate)
	if err := b.check(ctx, r, candidate, tag, progress); err != nil {
		return "", err
	}
	return commit(tag)
}

// check runs r.Check in the image under the conditions of a sandbox job:
// read-only root, uid 20001, no capabilities, no network, /tmp a tmpfs
// (with exec: Go runs the binaries it builds from there) and HOME and TMPDIR
// in a folder of /tmp.
func (b *ImageBuilder) check(ctx context.Context, r recipe, image, tag string, progress io.Writer) error {
	useInit := true
	pids := int64(256)
	cfg := &container.Config{
		Image:      image,
		User:       "20001:20001",
		Env:        []string{"HOME=/tmp/job", "TMPDIR=/tmp/job"},
		Cmd:        []string{"/bin/sh", "-c", r.Check},
		WorkingDir: "/tmp",
		Labels:     map[string]string{labelManaged: "true", labelOwner: b.owner.String()},
	}
	host := &container.HostConfig{
		NetworkMode:    "none",
		ReadonlyRootfs: true,
		CapDrop:        []string{"ALL"},
		SecurityOpt:    []string{"no-new-privileges"},
		Init:           &useInit,
		Tmpfs:          map[string]string{"/tmp": "rw,exec,nosuid,nodev,size=512m,mode=1777"},
		Resources: container.Resources{
			Memory:     int64(2 * GiB),
			MemorySwap: int64(2 * GiB),
			PidsLimit:  &pids,
		},
	}
	run, err := b.runScript(ctx, cfg, host, progress)
	if run.ID != "" {
		defer b.removeContainer(ctx, run.ID)
	}
	if err != nil {
		return fmt.Errorf("check image %s: %w", tag, err)
	}
	if run.Exit != 0 || !strings.HasSuffix(strings.TrimSpace(run.Stdout), imageCheckOK) {
		return fmt.Errorf("check image %s: the check script failed (status %d) as uid 20001 on a read-only root; its output ends with:\n%s", tag, run.Exit, run.Tail)
	}
	return nil
}

// removeImage deletes an image and its untagged parents, after ctx ends
// too; failures are only logged.
func (b *ImageBuilder) removeImage(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if _, err := b.docker.ImageRemove(ctx, id, image.RemoveOptions{PruneChildren: true}); err != nil && !errdefs.IsNotFound(err) {
		b.log.Warn("remove image", "image", id, "err", err)
	}
}
