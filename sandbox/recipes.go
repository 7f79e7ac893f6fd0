package sandbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Lang is a language the sandbox has an image for.
type Lang string

const (
	LangPython Lang = "python"
	LangGo     Lang = "go"
)

// Langs lists every language with an image recipe, in build order.
func Langs() []Lang { return []Lang{LangPython, LangGo} }

// ParseLang reads a language name ("python", "go"; "py" and "golang" too).
func ParseLang(s string) (Lang, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "python", "python3", "py":
		return LangPython, nil
	case "go", "golang":
		return LangGo, nil
	}
	return "", fmt.Errorf("unknown language %q: use python or go", s)
}

// LangFromPath tells the language of a source file from its extension.
func LangFromPath(path string) (Lang, bool) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".py":
		return LangPython, true
	case ".go":
		return LangGo, true
	}
	return "", false
}

// recipeFormat is part of every recipe hash: bump it when the build code
// changes what it makes of the same recipe, so that old images stop
// counting as current.
const recipeFormat = 1

// Paths inside the images.
const (
	// imagePackagesFile holds `dpkg-query -W` of the image (package=version
	// lines): the mirror is live, so two builds of one recipe may differ.
	imagePackagesFile = "/etc/codetree-packages.txt"
	imageShareDir     = "/usr/local/share/codetree"
	goImageRoot       = "/usr/local/go"
	goBakedCache      = "/var/cache/codetree-go"
	goCacheDir        = "/var/cache/go-build"
	goCacheProgBin    = "/usr/local/bin/codetree-gocache"
)

// recipe says how an image is made. Every field but Check is hashed into
// the image's tag, so a change to any of them makes a new image.
type recipe struct {
	Format int
	Lang   Lang
	// Suite, Variant and Packages go to mmdebstrap (or debootstrap).
	Suite    string
	Variant  string
	Packages []string
	// Exclude lists dpkg path-exclude globs ('*' matches '/' too), and
	// Include the path-include globs that take files back.
	Exclude []string
	Include []string
	// Env, WorkingDir and Cmd are the image's configuration.
	Env        []string
	WorkingDir string
	Cmd        []string
	// GoVersion and GoPlatform identify the host toolchain whose GOROOT is
	// copied to /usr/local/go (Go only).
	GoVersion  string `json:",omitempty"`
	GoPlatform string `json:",omitempty"`
	// GoRootExclude lists GOROOT subtrees left out of the image.
	GoRootExclude []string `json:",omitempty"`
	// Files are added to the root filesystem before import (path: content).
	Files map[string]string `json:",omitempty"`
	// Setup is a shell script run as root, without network, in a container
	// of the imported root filesystem; the result is committed. It must
	// write imagePackagesFile.
	Setup string
	// Check is a shell script run in the committed image under sandbox
	// conditions (read-only root, unprivileged uid, /tmp a tmpfs); it must
	// print imageCheckOK as its last line. It does not change the image, so
	// it is not hashed.
	Check string `json:"-"`
}

// imageCheckOK is the last line of a passing Check.
const imageCheckOK = "codetree-image-ok"

// Hash is the SHA-256 of the canonical JSON form of the recipe, in hex.
func (r recipe) Hash() string {
	b, err := json.Marshal(r) // struct fields in order, map keys sorted
	if err != nil {
		panic(fmt.Sprintf("encode recipe: %v", err)) // plain data: cannot fail
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Tag is the image reference: codetree-<lang>:<12 hex digits of Hash>.
func (r recipe) Tag() string { return imageTag(r.Lang, r.Hash()) }

func imageTag(lang Lang, hash string) string {
	return fmt.Sprintf("codetree-%s:%s", lang, hash[:12])
}

// DefaultImage returns the tag that `codetree images build` gives the
// current recipe of lang. For Go it depends on the host's Go toolchain
// (its GOROOT is copied into the image), found with `go env`; the answer
// is computed once per process.
func DefaultImage(lang Lang) (string, error) {
	r, err := currentRecipe(lang)
	if err != nil {
		return "", err
	}
	return r.Tag(), nil
}

// currentRecipe is the recipe of lang for this host.
func currentRecipe(lang Lang) (recipe, error) {
	switch lang {
	case LangPython:
		return pythonRecipe(), nil
	case LangGo:
		tc, err := hostGo()
		if err != nil {
			return recipe{}, err
		}
		return goRecipe(tc), nil
	}
	return recipe{}, fmt.Errorf("no image recipe for language %q", lang)
}

// debianPath is Debian's default PATH for root.
const debianPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// docExcludes leaves documentation, translations and manuals out of both
// images; docIncludes keeps the licences.
func docExcludes() []string {
	return []string{"/usr/share/doc/*", "/usr/share/info/*", "/usr/share/locale/*", "/usr/share/man/*"}
}

func docIncludes() []string { return []string{"/usr/share/doc/*/copyright"} }

// printPackages is the end of every Setup script.
const printPackages = `dpkg-query -W -f '${Package}=${Version}\n' > ` + imagePackagesFile + `
chmod 0644 ` + imagePackagesFile + `
echo '` + packagesMarker + `'
cat ` + imagePackagesFile + `
`

// packagesMarker precedes the package list in a Setup script's output.
const packagesMarker = "--- codetree packages ---"

func pythonRecipe() recipe {
	return recipe{
		Format:     recipeFormat,
		Lang:       LangPython,
		Suite:      "bookworm",
		Variant:    "minbase",
		Packages:   []string{"python3", "pyflakes3", "pylint", "mypy", "python3-pytest"},
		Exclude:    docExcludes(),
		Include:    docIncludes(),
		Env:        []string{"PATH=" + debianPath, "LANG=C.UTF-8", "PYTHONDONTWRITEBYTECODE=1"},
		WorkingDir: "/tmp",
		Cmd:        []string{"python3"},
		// A warm mypy cache, read-only at run time (see MypyCacheDir):
		// Analyze's mypy pass drops from about 0.55 s to 0.19 s. Without
		// the namespace-package .pth files (logilab-common's, pulled in by
		// pylint), which import importlib.util and more at every Python
		// start: python3 -c pass drops from 37 to 27 ms (44 modules at
		// start against 28), and logilab still imports, as an implicit
		// namespace package.
		Setup: `set -eu
rm -f /usr/lib/python3/dist-packages/*-nspkg.pth
mkdir -p /tmp/setup ` + MypyCacheDir + `
cd /tmp/setup
printf 'import os, sys, re, math, collections, itertools, functools, typing\n\n\ndef f(x: int) -> int:\n    return x + 1\n' > seed.py
` + strings.Join(MypyWarmCommand("seed.py"), " ") + ` || true
chmod -R a+rX /var/cache/codetree
echo "mypy cache: $(du -sh ` + MypyCacheDir + ` | cut -f1)"
` + printPackages,
		Check: `set -eu
mkdir -p "$TMPDIR" && cd "$TMPDIR"
python3 --version
python3 -c 'import pyflakes, pylint, mypy, pytest, logilab.common'
pyflakes3 --version
pylint --version
mypy --version
python3 -m pytest --version
printf 'def add(a: int, b: int) -> int:\n    return a + b\n\n\ndef test_add() -> None:\n    assert add(2, 3) == 5\n' > t_add.py
pyflakes3 t_add.py
mypy --no-error-summary t_add.py
python3 -m pytest -q -p no:cacheprovider t_add.py
echo ` + imageCheckOK + "\n",
	}
}

// goToolchain is the host Go installation copied into the Go image.
type goToolchain struct {
	Root     string // GOROOT on the host
	Version  string // GOVERSION, e.g. go1.26.8
	Platform string // GOHOSTOS/GOHOSTARCH
}

// hostGo returns the host toolchain, probed once per process.
var hostGo = sync.OnceValues(func() (goToolchain, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return probeGo(ctx)
})

// probeGo asks the go command on PATH where its GOROOT is.
func probeGo(ctx context.Context) (goToolchain, error) {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "go", "env", "-json", "GOROOT", "GOVERSION", "GOHOSTOS", "GOHOSTARCH")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return goToolchain{}, fmt.Errorf("find the host Go toolchain (the Go image copies its GOROOT; install Go 1.24 or later and put `go` on PATH): go env: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	var env struct{ GOROOT, GOVERSION, GOHOSTOS, GOHOSTARCH string }
	if err := json.Unmarshal(out, &env); err != nil {
		return goToolchain{}, fmt.Errorf("read go env output: %w", err)
	}
	if env.GOROOT == "" || env.GOVERSION == "" {
		return goToolchain{}, fmt.Errorf("go env reports no GOROOT or GOVERSION: %s", out)
	}
	return goToolchain{Root: env.GOROOT, Version: env.GOVERSION, Platform: env.GOHOSTOS + "/" + env.GOHOSTARCH}, nil
}

// goSettings configure the go command in the Go image. They are both the
// image's environment and the defaults in $GOROOT/go.env, so they hold
// for jobs started with a scrubbed environment too (an empty variable does
// not override go.env; only another value does).
//
// The build cache. Jobs run with a read-only root filesystem, so the cache
// baked into the image cannot be written. The go command tolerates most
// failed cache writes but not all: once a package's files are more than 2 s
// old it indexes the package, and a failed write of the index entry is
// fatal ("open /var/cache/go-build/..-d: read-only file system"), so a
// plain read-only GOCACHE works or fails depending on how fast the job
// runs. GODEBUG=goindex=0 avoids the index but measured 30-50 ms slower per
// go command (build/vet/test/run of a small module as uid 20001 on a
// read-only root, one CPU: 230/154/317/181 ms against 184/124/281/143 ms).
// So the cache is GOCACHEPROG=codetree-gocache (image_gocacheprog.go): it
// reads the baked entries and writes new ones under $TMPDIR, as fast as a
// writable warm cache and never failing. GOCACHE is then only used for
// fuzzing data (read-only here). A cold cache costs 8 s per build.
//
// GOPATH is left to its default, $HOME/go, which is per job; with
// GOPROXY=off nothing is ever downloaded there.
func goSettings() []string {
	return []string{
		"CGO_ENABLED=0",
		"GOTOOLCHAIN=local",
		"GOPROXY=off",
		"GOSUMDB=off",
		"GOFLAGS=-mod=mod",
		"GOCACHE=" + goCacheDir,
		"GOCACHEPROG=" + goCacheProgBin + " " + goBakedCache,
	}
}

//go:embed image_gocacheprog.go
var goCacheProgSource string

// The warm-up module: building, vetting and testing it fills the baked
// cache with the standard packages that solutions commonly import.
const (
	goWarmupMod  = "module warmup\n\ngo 1.24\n"
	goWarmupMain = `package main

import (
	"bufio"
	"bytes"
	"container/heap"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type intHeap []int

func (h intHeap) Len() int           { return len(h) }
func (h intHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h intHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *intHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *intHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// summarize returns the capitals, the sorted words, the smallest number
// and the square root of the rune count of s.
func summarize(s string) (string, error) {
	if s == "" {
		return "", errors.New("empty input")
	}
	var caps bytes.Buffer
	for _, r := range s {
		if unicode.IsUpper(r) {
			caps.WriteRune(r)
		}
	}
	words := strings.Fields(s)
	sort.Strings(words)
	h := &intHeap{}
	for _, w := range words {
		if n, err := strconv.Atoi(w); err == nil {
			heap.Push(h, n)
		}
	}
	least := -1
	if h.Len() > 0 {
		least = heap.Pop(h).(int)
	}
	words = slices.Compact(words)
	return fmt.Sprintf("%s %v %d %.2f", caps.String(), words, least, math.Sqrt(float64(utf8.RuneCountInString(s)))), nil
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	line := "Hello World 3 1 2"
	if len(os.Args) > 1 && os.Args[1] == "-" && in.Scan() {
		line = in.Text()
	}
	out, err := summarize(line)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(out)
}
`
	goWarmupTest = `package main

import "testing"

func TestSummarize(t *testing.T) {
	if _, err := summarize(""); err == nil {
		t.Fatal("summarize(\"\") returned no error")
	}
	got, err := summarize("b A 2 1")
	if want := "A [1 2 A b] 1 2.65"; err != nil || got != want {
		t.Fatalf("summarize = %q, %v; want %q", got, err, want)
	}
}
`
)

func goRecipe(tc goToolchain) recipe {
	share := imageShareDir
	env := append([]string{"PATH=" + goImageRoot + "/bin:" + debianPath, "LANG=C.UTF-8"}, goSettings()...)
	return recipe{
		Format:        recipeFormat,
		Lang:          LangGo,
		Suite:         "bookworm",
		Variant:       "minbase",
		Packages:      []string{},
		Exclude:       docExcludes(),
		Include:       docIncludes(),
		Env:           env,
		WorkingDir:    "/tmp",
		Cmd:           []string{"go", "version"},
		GoVersion:     tc.Version,
		GoPlatform:    tc.Platform,
		GoRootExclude: []string{"test"},
		Files: map[string]string{
			share + "/go.env":              "# codetree sandbox defaults (the environment overrides them)\n" + strings.Join(goSettings(), "\n") + "\n",
			share + "/gocache/main.go":     goCacheProgSource,
			share + "/warmup/go.mod":       goWarmupMod,
			share + "/warmup/main.go":      goWarmupMain,
			share + "/warmup/main_test.go": goWarmupTest,
		},
		// The cache helper is built first with a throwaway cache (go.env
		// does not name it yet), then the warm-up fills the baked cache
		// through it. /tmp is a tmpfs here, so nothing from it is kept.
		Setup: `set -eu
export HOME=/tmp/setup TMPDIR=/tmp/setup
mkdir -p "$TMPDIR"
env -u GOCACHEPROG GOCACHE=/tmp/setup/bootstrap-cache go build -trimpath -o ` + goCacheProgBin + ` ` + share + `/gocache/main.go
cp ` + share + `/go.env ` + goImageRoot + `/go.env
ln -sf ` + goImageRoot + `/bin/go /usr/local/bin/go
ln -sf ` + goImageRoot + `/bin/gofmt /usr/local/bin/gofmt
mkdir -p ` + goBakedCache + `
export GOCACHEPROG="` + goCacheProgBin + ` -w ` + goBakedCache + `"
cp -r ` + share + `/warmup /tmp/setup/w
cd /tmp/setup/w
go version
go build -o /tmp/setup/hello .
/tmp/setup/hello
go vet ./...
go vet -json ./... >/dev/null 2>&1
go test ./...
go run . >/dev/null
chmod -R a+rX ` + goBakedCache + ` ` + goCacheDir + `
echo "baked cache: $(du -sh ` + goBakedCache + ` | cut -f1)"
` + printPackages,
		// Sources older than 2 s and a changed package exercise the paths
		// that fail with a read-only GOCACHE (module index, compile).
		Check: `set -eu
mkdir -p "$TMPDIR"
cp -r ` + share + `/warmup "$TMPDIR/w"
cd "$TMPDIR/w"
printf 'package main\n\nvar checked = true\n' > check.go
touch -d '2000-01-01 00:00' go.mod *.go
go version
go build -o "$TMPDIR/hello" .
"$TMPDIR/hello"
go vet ./...
go test ./...
go run . >/dev/null
env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$HOME" TMPDIR="$TMPDIR" go test -count=1 ./...
echo ` + imageCheckOK + "\n",
	}
}
