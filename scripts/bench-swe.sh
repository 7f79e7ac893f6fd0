#!/usr/bin/env bash
# What a candidate's test run costs (make bench-swe): for each Go instance of
# benchmarks/swebench/testdata/swe, and for a web service on gin that this
# script writes (a real dependency tree, from the Go module proxy), the
# median time of a candidate's `go test ./...`:
#   - on the host with a warm build cache,
#   - in the sandbox with the build cache its baseline run filled,
#   - in the sandbox without it (the image's standard-library cache only),
# with the ratios, all measured in this run (codetree swe-bench).
#
# NOTE: this runs the repositories' tests ON THE HOST, on purpose: the host
# run is the benchmark's baseline. They are OUR OWN test repositories
# (testdata and the module below), never a user's; codetree itself never
# builds or tests a repository on the host.
#
# Usage: scripts/bench-swe.sh [-- extra codetree swe-bench flags]
# Environment: BIN (default bin/codetree), RUNS (default 3), WEB=0 skips the
# gin module (no module proxy).
set -euo pipefail
bin=${BIN:-bin/codetree}
runs=${RUNS:-3}
web=${WEB:-1}
data=benchmarks/swebench/testdata/swe
work=$(mktemp -d "${TMPDIR:-/tmp}/codetree-bench-swe.XXXXXX")
trap 'rm -rf "$work"' EXIT

dirs=()
for base in "$data"/*/base; do
	[[ -f $base/go.mod ]] || continue
	name=$(basename "$(dirname "$base")")
	cp -r "$base" "$work/$name"
	dirs+=("$work/$name")
done

if [[ $web == 1 ]]; then
	# A small web service on gin with tests: gin, its validator, codecs
	# and x/ packages make a dependency build of a few hundred packages.
	app=$work/webapp
	mkdir -p "$app/store"
	cat > "$app/go.mod" <<'MOD'
module example.com/webapp

go 1.22

require (
	github.com/gin-gonic/gin v1.10.0
	github.com/stretchr/testify v1.9.0
)
MOD
	cat > "$app/store/store.go" <<'GO'
// Package store keeps items in memory.
package store

import (
	"errors"
	"sort"
	"sync"
)

// Item is a stored thing.
type Item struct {
	ID    int    `json:"id"`
	Name  string `json:"name" binding:"required"`
	Price int    `json:"price" binding:"gte=0"`
}

// ErrNotFound is Get's answer for an unknown ID.
var ErrNotFound = errors.New("not found")

// Store is safe for concurrent use.
type Store struct {
	mu    sync.Mutex
	next  int
	items map[int]Item
}

// New returns an empty Store.
func New() *Store { return &Store{items: map[int]Item{}} }

// Add stores it under a new ID.
func (s *Store) Add(it Item) Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	it.ID = s.next
	s.items[it.ID] = it
	return it
}

// Get returns the item with id.
func (s *Store) Get(id int) (Item, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.items[id]
	if !ok {
		return Item{}, ErrNotFound
	}
	return it, nil
}

// List returns the items by ID.
func (s *Store) List() []Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Item, 0, len(s.items))
	for _, it := range s.items {
		out = append(out, it)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
GO
	cat > "$app/server.go" <<'GO'
// Package webapp serves the store over HTTP.
package webapp

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"example.com/webapp/store"
)

// Router returns the service's routes over s.
func Router(s *store.Store) *gin.Engine {
	gin.SetMode(gin.TestMode)
	r := gin.New()
	r.GET("/items", func(c *gin.Context) { c.JSON(http.StatusOK, s.List()) })
	r.POST("/items", func(c *gin.Context) {
		var it store.Item
		if err := c.ShouldBindJSON(&it); err != nil {
			c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()})
			return
		}
		c.JSON(http.StatusCreated, s.Add(it))
	})
	r.GET("/items/:id", func(c *gin.Context) {
		id, err := strconv.Atoi(c.Param("id"))
		if err != nil {
			c.JSON(http.StatusBadRequest, gin.H{"error": "bad id"})
			return
		}
		it, err := s.Get(id)
		if errors.Is(err, store.ErrNotFound) {
			c.JSON(http.StatusNotFound, gin.H{"error": err.Error()})
			return
		}
		c.JSON(http.StatusOK, it)
	})
	return r
}
GO
	cat > "$app/server_test.go" <<'GO'
package webapp

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"example.com/webapp/store"
)

func do(t *testing.T, h http.Handler, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func TestItems(t *testing.T) {
	r := Router(store.New())
	w := do(t, r, http.MethodPost, "/items", `{"name":"pen","price":3}`)
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	var it store.Item
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &it))
	assert.Equal(t, store.Item{ID: 1, Name: "pen", Price: 3}, it)

	assert.Equal(t, http.StatusBadRequest, do(t, r, http.MethodPost, "/items", `{"price":-1}`).Code)
	assert.Equal(t, http.StatusNotFound, do(t, r, http.MethodGet, "/items/9", "").Code)
	w = do(t, r, http.MethodGet, "/items", "")
	assert.JSONEq(t, `[{"id":1,"name":"pen","price":3}]`, w.Body.String())
}
GO
	cat > "$app/store/store_test.go" <<'GO'
package store

import "testing"

func TestStore(t *testing.T) {
	s := New()
	a := s.Add(Item{Name: "a"})
	if got, err := s.Get(a.ID); err != nil || got.Name != "a" {
		t.Fatalf("Get = %v, %v", got, err)
	}
	if _, err := s.Get(42); err != ErrNotFound {
		t.Fatalf("Get(42) err = %v", err)
	}
}
GO
	# Module resolution and download only: nothing of the module runs here.
	(cd "$app" && GOFLAGS=-mod=mod go mod tidy && go mod download all)
	dirs+=("$app")
fi

for d in "${dirs[@]}"; do
	if grep -q '^require' "$d/go.mod"; then
		(cd "$d" && go mod download all)
	fi
done

echo "== codetree swe-bench --runs $runs (${#dirs[@]} repositories)"
"$bin" swe-bench --runs "$runs" "$@" "${dirs[@]}"

# The time from an instance's start to its first model call: the checkout,
# the Go modules and the environment stage, before the model works. The
# simulated model answers at once, so the figures are the harness's.
echo
echo "== time to the first model call: codetree swe run --model sim, one instance at a time"
tmpl=$(scripts/swe-remotes.sh "$work/remotes")
"$bin" swe run --model sim --instances "$data/instances.jsonl" --repo-url "$tmpl" --out "$work/swe-run" \
	--work-dir "$work/swe-work" --concurrency 1 --timeout 3m >/dev/null 2>"$work/swe-run.log" ||
	{ cat "$work/swe-run.log"; exit 1; }
python3 - "$work/swe-run/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(f"{'instance':>18}  {'setup':>7}  {'first call':>10}  {'whole':>7}  passed")
for r in rows:
    print(f"{r['instance_id']:>18}  {r['setup_seconds']:6.2f}s  {r.get('first_model_call_seconds', 0):9.2f}s  {r['seconds']:6.2f}s  {r['passed']}")
print("(setup: clone or worktree and Go modules; first call: from the instance's start; simulated model)")
PY
