package benchmarks

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
)

// LoadOptions say where the data files are and what a search may see.
type LoadOptions struct {
	// DataDir holds the data files at the paths DataFiles lists; missing
	// files are downloaded into it. Empty means DefaultDataDir(). The
	// caller resolves flags and the environment (cmd: --data-dir, then
	// CODETREE_DATA_DIR, then DefaultDataDir).
	DataDir string
	// Policy says which tests are visible; empty means the dataset's
	// DefaultPolicy. A policy that does not apply to the dataset is an
	// error (see PolicyFor).
	Policy VisiblePolicy
	// HTTPClient downloads missing files; nil means http.DefaultClient.
	HTTPClient *http.Client
	// BaseURL, when set, replaces each file's official URL with
	// BaseURL + "/" + DataFile.Path (a mirror, or a test server).
	BaseURL string
	// Offline forbids downloads: a missing file is an error.
	Offline bool

	// files replaces the DataFiles table (tests: fixtures with their own
	// checksums).
	files []DataFile
}

// Load reads dataset d from opts.DataDir, downloading its file first when
// it is missing, and returns its problems in the file's order. Under
// VisibleCodeTree the CodeTree paper's file of visible tests is read too
// (DatasetSpec.Given). Every file must have the pinned size and sha256 (see
// DataFiles); a missing, unreachable or altered file is a *DataFileError.
func Load(ctx context.Context, d Dataset, opts LoadOptions) ([]*Problem, error) {
	spec, err := specFor(d)
	if err != nil {
		return nil, err
	}
	return spec.load(ctx, opts)
}

// load reads the dataset of this entry: all Load needs is the entry.
func (s *DatasetSpec) load(ctx context.Context, opts LoadOptions) ([]*Problem, error) {
	d := s.Name
	policy, err := ParseVisiblePolicy(string(opts.Policy))
	if err != nil {
		return nil, err
	}
	if policy, err = s.policyFor(policy); err != nil {
		return nil, err
	}
	src, err := opts.source()
	if err != nil {
		return nil, err
	}
	f, err := opts.file(s.Data.Path)
	if err != nil {
		return nil, err
	}
	data, err := src.read(ctx, f)
	if err != nil {
		return nil, err
	}
	in := parseInput{name: f.Path, data: data, dataset: d, policy: policy, plus: s.PlusName != ""}
	if s.Given != nil && policy == VisibleCodeTree {
		gf, err := opts.file(s.Given.Path)
		if err != nil {
			return nil, err
		}
		gData, err := src.read(ctx, gf)
		if err != nil {
			return nil, err
		}
		if in.given, err = parseGivenTests(gf.Path, gData); err != nil {
			return nil, fmt.Errorf("load %s visible tests: %w", d, err)
		}
	}
	ps, err := s.parse(in)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", d, err)
	}
	return ps, nil
}

// FetchDataFiles makes sure every data file is in opts.DataDir with its
// pinned checksum, downloading the missing ones.
func FetchDataFiles(ctx context.Context, opts LoadOptions) error {
	src, err := opts.source()
	if err != nil {
		return err
	}
	for _, f := range opts.fileTable() {
		if _, err := src.read(ctx, f); err != nil {
			return err
		}
	}
	return nil
}

func (o LoadOptions) source() (dataSource, error) {
	dir := o.DataDir
	if dir == "" {
		var err error
		if dir, err = DefaultDataDir(); err != nil {
			return dataSource{}, err
		}
	}
	return dataSource{dir: dir, client: o.HTTPClient, baseURL: o.BaseURL, offline: o.Offline}, nil
}

// fileTable returns the data files: DataFiles, or the tests' own.
func (o LoadOptions) fileTable() []DataFile {
	if o.files == nil {
		return dataFiles
	}
	return o.files
}

func (o LoadOptions) file(rel string) (DataFile, error) {
	for _, f := range o.fileTable() {
		if f.Path == rel {
			return f, nil
		}
	}
	return DataFile{}, fmt.Errorf("no data file %s", rel)
}

// eachJSONLine calls fn with every non-blank line of a JSON Lines file,
// and names the file and 1-based line number in fn's errors.
func eachJSONLine(name string, data []byte, fn func(line []byte) error) error {
	for n := 1; len(data) > 0; n++ {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if err := fn(line); err != nil {
			return fmt.Errorf("%s line %d: %w", name, n, err)
		}
	}
	return nil
}

// checkUniqueIDs returns an error naming the first repeated task id.
func checkUniqueIDs(name string, ps []*Problem) error {
	seen := make(map[string]bool, len(ps))
	for _, p := range ps {
		if seen[p.task.ID] {
			return fmt.Errorf("%s: task %s appears twice", name, p.task.ID)
		}
		seen[p.task.ID] = true
	}
	return nil
}
