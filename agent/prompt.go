package agent

import (
	"embed"
	"fmt"
	"strings"
	"sync"
	"text/template"
)

// The prompts live in prompts/*.tmpl: for each role a system template and
// one template per user or assistant turn, named <role>[_<task>]_<part>.
// partials.tmpl defines the parts they share (the problem and code
// sections, the rules for writing code). Every template renders from a
// promptData; testdata/golden/<sample>/<name>.txt holds each one rendered
// for three sample problems (go test ./agent/... -update rewrites them).

//go:embed prompts/*.tmpl
var promptFiles embed.FS

// promptPartials is the file of shared definitions, which renders nothing.
const promptPartials = "partials.tmpl"

// prompts is parsed once, on first use rather than when the package
// loads: every codetree process loads it, the sandbox's in-container
// runner included, and most never render a prompt. Templates are safe for
// concurrent execution.
var prompts = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("prompts").
		Option("missingkey=error").
		Funcs(template.FuncMap{"fence": fence, "problem": problemBlock}).
		ParseFS(promptFiles, "prompts/*.tmpl"))
})

// promptData is what every template renders from.
type promptData struct {
	Lang       language
	Problem    string
	EntryPoint string
	Strategy   string
	Code       string
	Feedback   string
	Reflection string
	// Context is the repository as the Editor shows it (the layout and the
	// relevant files, rendered by the caller); Edits the previous edit
	// blocks, in FormatEdits's text.
	Context string
	Edits   string
	// Max caps the number of list items asked for; 0 leaves it to the model.
	Max int
	// Hint is extra guidance shown as it is (a lexical ranking of files).
	Hint string
}

// render executes the template prompts/<name>.tmpl with data and returns the
// text without surrounding white space.
func render(name string, data any) (string, error) {
	var b strings.Builder
	if err := prompts().ExecuteTemplate(&b, name+".tmpl", data); err != nil {
		return "", fmt.Errorf("render prompt %s: %w", name, err)
	}
	return strings.TrimSpace(b.String()), nil
}

// turn is one message of a conversation: its role and the template it is
// rendered from.
type turn struct {
	role     string
	template string
}

// conversation renders the turns into messages.
func conversation(data promptData, turns ...turn) ([]Message, error) {
	msgs := make([]Message, 0, len(turns))
	for _, t := range turns {
		content, err := render(t.template, data)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, Message{Role: t.role, Content: content})
	}
	return msgs, nil
}

// fence wraps code in a fenced block tagged with the language, using a
// backtick fence longer than any backtick run inside the code.
func fence(l language, code string) string {
	longest, run := 0, 0
	for _, r := range code {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	f := strings.Repeat("`", max(3, longest+1))
	return f + l.Fence + "\n" + strings.Trim(code, "\n") + "\n" + f
}

// problemBlock shows a problem that is code (a signature and docstring) in
// a fenced block, and a problem in prose as it is.
func problemBlock(l language, problem string) string {
	p := strings.Trim(problem, "\n")
	first := strings.TrimSpace(p)
	if i := strings.IndexByte(first, '\n'); i >= 0 {
		first = first[:i]
	}
	comment := l.ID == langPython && strings.HasPrefix(first, "#") && !strings.HasPrefix(first, "# ") ||
		l.ID == langGo && strings.HasPrefix(first, "//")
	if startsCode(l.ID, first) || comment && codeLang(p) == l.ID {
		return fence(l, p)
	}
	return strings.TrimSpace(p)
}

// newPromptData checks the fields every role needs and resolves the
// language.
func newPromptData(lang, problem string) (promptData, error) {
	l, err := lookupLang(lang)
	if err != nil {
		return promptData{}, err
	}
	if strings.TrimSpace(problem) == "" {
		return promptData{}, fmt.Errorf("empty problem")
	}
	return promptData{Lang: l, Problem: problem}, nil
}
