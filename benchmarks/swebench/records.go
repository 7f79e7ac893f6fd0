package swebench

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// rawRecord is one JSON object of a JSONL file or of a JSON array, with the
// line it starts on.
type rawRecord struct {
	line int
	data []byte
	// unterminated is true for a JSONL last line without its newline: the
	// shape a crash in the middle of a write leaves behind.
	unterminated bool
}

// readRecords splits r into records. A file whose first non-space byte is
// '[' is a JSON array; anything else is JSONL (blank lines skipped).
func readRecords(r io.Reader, name string) ([]rawRecord, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		return readArray(data, name)
	}
	return readLines(data), nil
}

func readLines(data []byte) []rawRecord {
	var recs []rawRecord
	for lineNo := 1; len(data) > 0; lineNo++ {
		line, rest, found := bytes.Cut(data, []byte("\n"))
		data = rest
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		recs = append(recs, rawRecord{line: lineNo, data: line, unterminated: !found})
	}
	return recs
}

func readArray(data []byte, name string) ([]rawRecord, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // the '['
		return nil, syntaxError(data, name, err)
	}
	var recs []rawRecord
	for dec.More() {
		start := skipSeparators(data, int(dec.InputOffset()))
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, syntaxError(data, name, err)
		}
		recs = append(recs, rawRecord{line: lineAt(data, start), data: raw})
	}
	if _, err := dec.Token(); err != nil { // the ']'
		return nil, syntaxError(data, name, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s:%d: data after the JSON array", name, lineAt(data, int(dec.InputOffset())))
	}
	return recs, nil
}

func skipSeparators(data []byte, off int) int {
	for off < len(data) && bytes.IndexByte([]byte(" \t\r\n,"), data[off]) >= 0 {
		off++
	}
	return off
}

// lineAt is the 1-based line of byte offset off.
func lineAt(data []byte, off int) int {
	off = min(max(off, 0), len(data))
	return 1 + bytes.Count(data[:off], []byte("\n"))
}

func syntaxError(data []byte, name string, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("%s:%d: invalid JSON: %w", name, lineAt(data, int(se.Offset)), err)
	}
	return fmt.Errorf("%s: invalid JSON array: %w", name, err)
}

// decodeError turns a json.Unmarshal error of one record into one naming
// the file, the line and, when known, the field.
func decodeError(name string, line int, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Errorf("%s:%d: field %s: want %s, got JSON %s", name, line, te.Field, te.Type, te.Value)
	}
	return fmt.Errorf("%s:%d: invalid JSON object: %w", name, line, err)
}
