package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/codetree/codetree/benchmarks/swebench"
)

// sweFolderKind is what a folder given to codetree report holds: "swe
// run" or "swe eval", "" for neither (a bench run folder, say).
func sweFolderKind(dir string) string {
	switch {
	case swebench.IsRunFolder(dir):
		return "swe run"
	case swebench.IsEvalFolder(dir):
		return "swe eval"
	}
	return ""
}

// reportSwe rewrites the report of a swe run or swe eval folder and
// prints its paths.
func reportSwe(w io.Writer, dir, kind string) error {
	var page string
	var err error
	if kind == "swe run" {
		page, err = writeSweRunReport(dir, "")
	} else {
		page, err = swebench.WriteEvalReport(dir)
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s folder %s\nreport: %s, %s\n", kind, dir, filepath.Join(dir, swebench.ReportMarkdownFile), page)
	return err
}

// writeSweRunReport writes a swe run folder's report; scoreCommand is
// the line that scores its predictions ("" for a generic one).
func writeSweRunReport(dir, scoreCommand string) (string, error) {
	return swebench.WriteRunReport(dir, swebench.RunReportOptions{ScoreCommand: scoreCommand})
}

// sweEvalCommandLine is the command that scores a run folder's
// predictions.
func sweEvalCommandLine(instances, runDir, repoURL string) string {
	line := fmt.Sprintf("codetree swe eval --instances %s --predictions %s", instances, filepath.Join(runDir, swebench.PredictionsFile))
	if repoURL != "" && repoURL != swebench.DefaultRepoURL {
		line += fmt.Sprintf(" --repo-url '%s'", repoURL)
	}
	return line
}

// writeSweEvalReports writes the evaluation folder's report and, when
// the predictions are a swe run folder's, links the evaluation to that
// folder and rewrites its report with the resolution. It returns the
// pages written ("" for none).
func writeSweEvalReports(o *sweEvalOptions, preds []swebench.Prediction) (evalPage, runPage string, err error) {
	runDir := filepath.Dir(o.Predictions)
	isRun := !o.Gold && filepath.Base(o.Predictions) == swebench.PredictionsFile && swebench.IsRunFolder(runDir)
	if isRun {
		if err := swebench.LinkEval(runDir, o.Out, o.Predictions, preds); err != nil {
			return "", "", err
		}
	}
	if evalPage, err = swebench.WriteEvalReport(o.Out); err != nil || !isRun {
		return evalPage, "", err
	}
	if runPage, err = writeSweRunReport(runDir, ""); err != nil {
		return evalPage, "", fmt.Errorf("rewrite the run's report: %w", err)
	}
	return evalPage, runPage, nil
}
