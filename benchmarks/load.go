package benchmarks

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
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

// datasetNames maps every accepted spelling to its dataset.
var datasetNames = map[string]Dataset{
	string(HumanEval):     HumanEval,
	string(HumanEvalPlus): HumanEvalPlus,
	string(MBPP):          MBPP,
	string(MBPPFull):      MBPPFull,
	string(MBPPSanitized): MBPPSanitized,
	string(MBPPPlus):      MBPPPlus,
	"humanevalplus":       HumanEvalPlus,
	"mbppplus":            MBPPPlus,
	"mbpp_sanitized":      MBPPSanitized,
}

// Datasets returns every dataset, in a stable order.
func Datasets() []Dataset {
	return []Dataset{HumanEval, HumanEvalPlus, MBPP, MBPPFull, MBPPSanitized, MBPPPlus}
}

// ParseDataset parses a dataset name: one of the Dataset constants
// ("humaneval", "humaneval+", "mbpp", "mbpp-full", "mbpp-sanitized",
// "mbpp+"), or the aliases "humanevalplus", "mbppplus" and
// "mbpp_sanitized". Case and surrounding spaces are ignored.
func ParseDataset(s string) (Dataset, error) {
	if d, ok := datasetNames[strings.ToLower(strings.TrimSpace(s))]; ok {
		return d, nil
	}
	names := make([]string, 0, len(Datasets()))
	for _, d := range Datasets() {
		names = append(names, string(d))
	}
	return "", fmt.Errorf("unknown dataset %q: want one of %s", s, strings.Join(names, ", "))
}

// Load reads dataset d from opts.DataDir, downloading its file first when
// it is missing, and returns its problems in the file's order. Under
// VisibleCodeTree the CodeTree paper's file of visible tests is read too
// (givenTestFiles). Every file must have the pinned size and sha256 (see
// DataFiles); a missing, unreachable or altered file is a *DataFileError.
func Load(ctx context.Context, d Dataset, opts LoadOptions) ([]*Problem, error) {
	rel, err := dataFileFor(d)
	if err != nil {
		return nil, err
	}
	policy, err := PolicyFor(d, opts.Policy)
	if err != nil {
		return nil, err
	}
	src, err := opts.source()
	if err != nil {
		return nil, err
	}
	f, err := opts.file(rel)
	if err != nil {
		return nil, err
	}
	data, err := src.read(ctx, f)
	if err != nil {
		return nil, err
	}
	var given map[string][]string
	if gRel := givenTestFiles[d]; policy == VisibleCodeTree && gRel != "" {
		gf, err := opts.file(gRel)
		if err != nil {
			return nil, err
		}
		gData, err := src.read(ctx, gf)
		if err != nil {
			return nil, err
		}
		if given, err = parseGivenTests(gf.Path, gData); err != nil {
			return nil, fmt.Errorf("load %s visible tests: %w", d, err)
		}
	}
	ps, err := parseDataset(d, f.Path, data, policy, given)
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

// parseDataset parses the (decompressed) contents of dataset d's file;
// name is used in errors. policy is resolved (PolicyFor); given holds the
// CodeTree visible tests by task id when policy is VisibleCodeTree and d
// has a file of them.
func parseDataset(d Dataset, name string, data []byte, policy VisiblePolicy, given map[string][]string) ([]*Problem, error) {
	switch d {
	case HumanEval, HumanEvalPlus:
		return parseHumanEval(name, data, d, policy, given)
	case MBPP, MBPPFull:
		return parseMBPP(name, data, d, policy, given)
	case MBPPSanitized:
		return parseSanitizedMBPP(name, data, policy)
	case MBPPPlus:
		return parseMBPPPlus(name, data, policy)
	}
	return nil, fmt.Errorf("unknown dataset %q", string(d))
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
