package treesearch

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/codetree/codetree/sandbox"
)

// Analyzer runs static analyzers over a set of files; SandboxAnalyzer
// makes one of a sandbox.Runner.
type Analyzer interface {
	Analyze(ctx context.Context, req sandbox.AnalyzeRequest) ([]sandbox.Finding, error)
}

// AnalyzerFunc is a function that is an Analyzer.
type AnalyzerFunc func(ctx context.Context, req sandbox.AnalyzeRequest) ([]sandbox.Finding, error)

// Analyze calls f.
func (f AnalyzerFunc) Analyze(ctx context.Context, req sandbox.AnalyzeRequest) ([]sandbox.Finding, error) {
	return f(ctx, req)
}

// SandboxAnalyzer is the Analyzer that runs sandbox.Analyze with r.
func SandboxAnalyzer(r sandbox.Runner) Analyzer {
	return AnalyzerFunc(func(ctx context.Context, req sandbox.AnalyzeRequest) ([]sandbox.Finding, error) {
		return sandbox.Analyze(ctx, r, req)
	})
}

// solutionFile is the name of the candidate's file in every run; findings
// about other files are dropped.
const solutionFile = "solution.py"

// maxFindingMessage caps the message of one finding in the feedback.
const maxFindingMessage = 300

// lintFinding is one pyflakes finding as tester.py reports it.
type lintFinding struct {
	Line    int    `json:"line"`
	Col     int    `json:"col"`  // 1-based, 0 when unknown
	Kind    string `json:"kind"` // the pyflakes message class
	Message string `json:"message"`
}

func (l lintFinding) finding() sandbox.Finding {
	sev := sandbox.SeverityWarning
	if slices.Contains(pyflakesErrorKinds, l.Kind) {
		sev = sandbox.SeverityError
	}
	return sandbox.Finding{
		Tool: sandbox.ToolPyflakes, File: solutionFile, Line: l.Line, Column: l.Col,
		Severity: sev, Message: l.Message,
	}
}

// pyflakesErrorKinds are the pyflakes message classes of code that will
// not compile or will raise when it runs: the same split into errors and
// warnings as sandbox.Analyze makes from pyflakes' text.
var pyflakesErrorKinds = []string{
	"UndefinedName", "UndefinedExport", "UndefinedLocal", "DuplicateArgument",
	"ImportStarNotPermitted", "LateFutureImport", "FutureFeatureNotDefined",
	"ReturnOutsideFunction", "YieldOutsideFunction", "ContinueOutsideLoop",
	"BreakOutsideLoop", "ContinueInFinally", "DefaultExceptNotLast",
	"TwoStarredExpressions", "TooManyExpressionsInStarredAssignment",
	"ForwardAnnotationSyntaxError", "InvalidPrintSyntax",
	"StringDotFormatMissingArgument", "StringDotFormatMixingAutomatic",
	"StringDotFormatInvalidFormat", "PercentFormatInvalidFormat",
	"PercentFormatMixedPositionalAndNamed", "PercentFormatUnsupportedFormatCharacter",
	"PercentFormatPositionalCountMismatch", "PercentFormatMissingArgument",
	"PercentFormatExpectedMapping", "PercentFormatExpectedSequence",
	"PercentFormatStarRequiresSequence",
}

// keepFinding is the policy on what a model sees: findings about the
// candidate's own file only, and no unused imports. Prompts (HumanEval's
// `from typing import List`) bring imports the candidate need not use; an
// unused import never fails a test, and the model would spend an edit on it.
func keepFinding(f sandbox.Finding) bool {
	if f.File != solutionFile {
		return false
	}
	return f.Tool != sandbox.ToolPyflakes || !strings.HasSuffix(f.Message, " imported but unused")
}

// mergeFindings keeps what keepFinding allows of the in-process pyflakes
// findings and the Analyzer's, without duplicates, in feedback order:
// errors first, then warnings, each by line, column, tool and message.
//
// A duplicate is the same place and message (the Analyzer ran pyflakes
// too), or mypy's "Name "x" is not defined" where pyflakes already said
// "undefined name 'x'" on that line; the first one given is kept.
func mergeFindings(lists ...[]sandbox.Finding) []sandbox.Finding {
	type key struct {
		line, column int
		message      string
	}
	seen := make(map[key]bool)
	undefined := make(map[key]bool) // line and name of pyflakes' undefined names
	var out []sandbox.Finding
	for _, fs := range lists {
		for _, f := range fs {
			if !keepFinding(f) {
				continue
			}
			k := key{f.Line, f.Column, f.Message}
			if seen[k] {
				continue
			}
			if name, ok := undefinedName(f); ok {
				nk := key{line: f.Line, message: name}
				if undefined[nk] && f.Tool != sandbox.ToolPyflakes {
					continue
				}
				if f.Tool == sandbox.ToolPyflakes {
					undefined[nk] = true
				}
			}
			seen[k] = true
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b sandbox.Finding) int {
		return cmp.Or(
			cmp.Compare(severityRank(a.Severity), severityRank(b.Severity)),
			cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column),
			strings.Compare(a.Tool, b.Tool), strings.Compare(a.Message, b.Message))
	})
	return out
}

// undefinedName returns the name in pyflakes' "undefined name 'x'" or
// mypy's `Name "x" is not defined`.
func undefinedName(f sandbox.Finding) (string, bool) {
	switch f.Tool {
	case sandbox.ToolPyflakes:
		if rest, ok := strings.CutPrefix(f.Message, "undefined name "); ok {
			return strings.Trim(rest, `'"`), true
		}
	case sandbox.ToolMypy:
		if f.Code == "name-defined" {
			if rest, ok := strings.CutPrefix(f.Message, "Name "); ok {
				if name, ok := strings.CutSuffix(rest, " is not defined"); ok {
					return strings.Trim(name, `'"`), true
				}
			}
		}
	}
	return "", false
}

func severityRank(s string) int {
	if s == sandbox.SeverityError {
		return 0
	}
	return 1
}

// findingLine renders a finding for the model on one line:
// "line 3: undefined name 'helper' (pyflakes)", with "warning: " before
// the message of a warning and the check's code after the tool's name
// ("(mypy return-value)"). A message of several lines is joined with "; ".
func findingLine(f sandbox.Finding) string {
	var b strings.Builder
	if f.Line > 0 {
		b.WriteString("line " + strconv.Itoa(f.Line) + ": ")
	}
	if f.Severity != sandbox.SeverityError {
		b.WriteString("warning: ")
	}
	var parts []string
	for line := range strings.Lines(f.Message) {
		if line = strings.TrimSpace(line); line != "" {
			parts = append(parts, line)
		}
	}
	msg := strings.Join(parts, "; ")
	if len(msg) > maxFindingMessage {
		msg = cutBytes(msg, maxFindingMessage) + "..."
	}
	b.WriteString(msg)
	b.WriteString(" (" + f.Tool)
	if f.Code != "" {
		b.WriteString(" " + f.Code)
	}
	b.WriteString(")\n")
	return b.String()
}
