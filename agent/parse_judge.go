package agent

import (
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// ParseScore returns the Critic's test score, an integer from 0 to 5, from a
// reply that analyses first and scores on its last line. Reasoning blocks
// (<think>...</think>) and fenced code are ignored, markdown marks (bold,
// headings, quotes) are removed, an inline code span counts only when it
// holds just a score ("`4`"), and a scale such as "(0-5)" or "from 0 to 5"
// is not a score. Trailing pleasantries ("Hope this helps!", "Let me know
// if...") and separator lines do not count as the last line. The score is
// the last, in the reply's order, of:
//
//   - the first or the last line, a bold line, or the line after a label
//     line ("## Final Score"), when the line is only the score, labelled or
//     not: "4", "**4**", "(4)", "Four.", "Score: 4", "Final score: 3.",
//     "4/5", "4 out of 5";
//   - the last line when it is a number and a gloss: "4 (misses the empty
//     list)", "3: the outputs differ by a clear pattern" (used only when the
//     number is from 0 to 5);
//   - a labelled score anywhere (score, rating or grade, then "is", "of",
//     "would be", a colon, "=" or a dash, or nothing; or "rate", "give" or
//     "assign" then "it" or "this"): "Score: 4", "**Score:** 4", "score of
//     4", "my score is 4", "Score (0-5): 2", "I'd rate it a 2", "I'd give
//     it a 3 out of 5";
//   - a fraction of 5 anywhere ("4/5", "3 out of 5") that is not a test
//     count: not followed by a word such as "tests", "cases" or "of the
//     visible tests", not after one such as "Tests passed:" or "passes";
//   - a JSON object, fenced (json or untagged) or not, with a score,
//     final_score, rating or grade field holding a number or a string of
//     one ({"score": 4}, {"score": "4"}).
//
// Anything else is not a score: integers in prose ("test 4 expects 10"),
// list numbers ("3. All tests time out"), and fractions of anything but 5
// ("fails 3 of 4 tests", "Tests passed: 1/2"), which are test counts and are
// skipped rather than refused. A score that is not an integer from 0 to 5
// ("Score: 7", "Score: 8/10", "4.5", a last line "10") makes the reply
// Unparsable. An empty reply is an EmptyOutput error; a reply without a
// score is Unparsable.
func ParseScore(reply string) (int, error) {
	s, _, err := parseScore(reply)
	return s, err
}

// ParseVerdict returns the Critic's verification verdict from a reply that
// analyses first and answers True or False on its last line. Reasoning
// blocks (<think>...</think>) and fenced code are ignored, markdown marks
// are removed, an inline code span counts only when it holds just a verdict
// ("`False`"), and trailing pleasantries and separator lines do not count as
// the last line. The verdict is the last, in the reply's order, of:
//
//   - the first or the last line, a bold line, or the line after a label
//     line ("### Verdict"), when the line is only the verdict, labelled or
//     not: "True", "**False**", "`False`", "Verdict: True", "Final answer:
//     False.", "Answer: Yes", "Overall assessment: TRUE";
//   - the last line when it starts with the verdict and punctuation ("False:
//     it crashes on []", "No, the loop misses...", "Yes, it is general",
//     "True (general and linear)"); or ends with True or False as a
//     sentence of its own ("... handled. True") or after a colon or a dash
//     ("Everything is handled: TRUE"), unless a program value is labelled
//     ("returns: False", "Output: False", "Expected: True"); or ends with
//     the verdict after "so", "thus", "hence" or "therefore" ("..., so
//     True."). A Yes or No ending a sentence ("Hard-coded? No.") answers a
//     check, not the question;
//   - a labelled verdict anywhere: the label one of verdict, answer,
//     conclusion, decision, judgement, assessment or acceptable (optionally
//     "final"), then "is", a colon, "=" or a dash, then the verdict and the
//     end of the line, punctuation or "because": "Verdict: X", "Final
//     verdict: X", "Conclusion: X", "**Verdict:** X", "the answer is X";
//     not after "expected", "correct", "right", "wrong", "actual",
//     "returned", "function's" or "code's" ("the expected answer is
//     False");
//   - a JSON object, fenced (json or untagged) or not, with a field
//     verdict, final_verdict, acceptable, is_acceptable, answer,
//     final_answer, correct, is_correct, pass, passes or ok that is a
//     boolean or a True, False, Yes or No string ({"verdict": true},
//     {"answer": "True"}).
//
// True or False in prose is not a verdict: program values ("returns
// False", "is True when", "== False", "Output: False") and statements
// ("The solution is acceptable", "No changes are needed") leave the reply
// Unparsable rather than guessed. An empty reply is an EmptyOutput error.
func ParseVerdict(reply string) (bool, error) {
	v, _, err := parseVerdict(reply)
	return v, err
}

// answer is where a reply states its score or verdict.
type answer struct {
	// pos is the index of the line that holds it, in judgeReply.lines: the
	// answer with the highest pos wins.
	pos int
	// val is "true" or "false", or the score as written ("4", "four",
	// "8/10").
	val string
	// from and to are the range of lines that hold only the answer (and
	// its label line), left out of the analysis; empty when the answer
	// sits in a sentence.
	from, to int
	// note is the reasoning a JSON answer carries.
	note string
}

// judgeReply is a Critic reply split for the judge parsers.
type judgeReply struct {
	lines  []scannedLine
	blocks []fencedBlock
	// text are the indexes of the lines outside code blocks that are not
	// blank or separators; text[:end] are the ones before the trailing
	// pleasantries.
	text []int
	end  int
	// plain are the lines outside code as the rules read them (see
	// judgePlain), by index into lines.
	plain map[int]string
}

var (
	// A separator line: "---", "***", "===".
	separatorRE = regexp.MustCompile(`^[-_=*~ \t]+$`)
	// pleasantryRE matches a closing line that carries no analysis.
	pleasantryRE = regexp.MustCompile(`(?i)^(?:i[ \t]+)?hope[ \t]+(?:this|that|it|my)\b|` +
		`^let[ \t]+me[ \t]+know\b|^feel[ \t]+free\b|^happy[ \t]+(?:coding|to[ \t]+help)\b|^good[ \t]+luck\b|` +
		`^thanks?\b|^thank[ \t]+you\b|^cheers\b|^glad[ \t]+(?:i[ \t]+could|to)[ \t]+help\b|` +
		`^(?:please[ \t]+)?(?:don'?t|do[ \t]+not)[ \t]+hesitate\b|^if[ \t]+you[ \t]+(?:have|need|want|would[ \t]+like)\b|` +
		`^is[ \t]+there[ \t]+anything[ \t]+else\b|^best[ \t]+regards\b`)
	inlineCodeRE = regexp.MustCompile("`[^`\n]*`")
	// An inline code span the rules read: only a verdict or a score.
	answerSpanRE = regexp.MustCompile(`(?i)^[ \t*]*(?:true|false|yes|no|-?\d+(?:\.\d+)?(?:[ \t]*/[ \t]*\d+)?)[ \t*.]*$`)
	// A line that is only a label, the answer on the next line.
	labelLineRE = regexp.MustCompile(`(?i)^(?:(?:final|my|overall)[ \t]+)?(?:verdict|answer|conclusion|decision|judge?ment|assessment|score|rating|grade)[ \t]*:?$`)
)

// prepareJudge splits a reply for the judge parsers.
func prepareJudge(reply, what string) (judgeReply, error) {
	text, err := prepare(reply, what)
	if err != nil {
		return judgeReply{}, err
	}
	r := judgeReply{plain: make(map[int]string)}
	r.lines, r.blocks = scanFences(text)
	for i, l := range r.lines {
		if l.kind != lineText || strings.TrimSpace(l.text) == "" || separatorRE.MatchString(l.text) {
			continue
		}
		r.text = append(r.text, i)
		r.plain[i] = judgePlain(l.text)
	}
	r.end = len(r.text)
	for r.end > 0 && pleasantryRE.MatchString(r.plain[r.text[r.end-1]]) {
		r.end--
	}
	return r, nil
}

// judgePlain drops the inline code spans that hold more than an answer
// ("`xs[0] == 5`"), keeps the content of those that do not ("`False`"), and
// strips markdown marks.
func judgePlain(l string) string {
	l = inlineCodeRE.ReplaceAllStringFunc(l, func(s string) string {
		if in := strings.Trim(s, "`"); answerSpanRE.MatchString(in) {
			return in
		}
		return ""
	})
	return plainLine(l)
}

// bold reports whether line i is bold as a whole ("**False**").
func (r judgeReply) bold(i int) bool {
	l := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(r.lines[i].text), "#> \t"))
	return len(l) > 4 && (strings.HasPrefix(l, "**") && strings.HasSuffix(l, "**") ||
		strings.HasPrefix(l, "__") && strings.HasSuffix(l, "__"))
}

// answerLines returns the candidate lines for an answer that is the whole
// line: the first and the last, the bold ones and those after a label line.
// Each comes with the first line to drop with it (its label line, if any).
func (r judgeReply) answerLines() [][2]int {
	var out [][2]int
	for k := range r.end {
		i := r.text[k]
		from := i
		if k > 0 && labelLineRE.MatchString(r.plain[r.text[k-1]]) {
			from = r.text[k-1]
		}
		if k == 0 || k == r.end-1 || r.bold(i) || from != i {
			out = append(out, [2]int{from, i})
		}
	}
	return out
}

// inLine returns the answer val found on line i; when the line is only
// the answer, the line is left out of the analysis.
func (r judgeReply) inLine(i int, val string, whole bool) answer {
	if whole {
		return answer{pos: i, val: val, from: i, to: i + 1}
	}
	return answer{pos: i, val: val}
}

// last returns the index of the last line that counts, or -1.
func (r judgeReply) last() int {
	if r.end == 0 {
		return -1
	}
	return r.text[r.end-1]
}

// pick returns the answer with the highest pos; on a tie, the one of a
// line that holds only the answer, else the later one.
func pick(cands []answer) (answer, bool) {
	var best answer
	found := false
	for _, c := range cands {
		if !found || c.pos > best.pos || c.pos == best.pos && (c.to > c.from || best.to == best.from) {
			best, found = c, true
		}
	}
	return best, found
}

// analysis is the reply without the lines that hold only the answer and
// without trailing pleasantries; the note of a JSON answer is appended.
func (r judgeReply) analysis(a *answer) string {
	skip := make(map[int]bool)
	for _, i := range r.text[r.end:] {
		skip[i] = true
	}
	note := ""
	if a != nil {
		for i := a.from; i < a.to; i++ {
			skip[i] = true
		}
		note = a.note
	}
	var b strings.Builder
	blank := 0
	for i, l := range r.lines {
		if skip[i] {
			continue
		}
		if strings.TrimSpace(l.text) == "" {
			blank++
			continue
		}
		if b.Len() > 0 {
			b.WriteString(strings.Repeat("\n", min(blank, 1)+1))
		}
		blank = 0
		b.WriteString(l.text)
	}
	out := strings.TrimSpace(b.String())
	if note = strings.TrimSpace(note); note != "" {
		if out != "" {
			out += "\n\n"
		}
		out += note
	}
	return out
}

// jsonAnswers finds the JSON objects of the reply, fenced (tagged json or
// untagged) or not, and returns an answer for each that has one of keys,
// read by value.
func (r judgeReply) jsonAnswers(keys []string, value func(any) (string, bool)) []answer {
	var out []answer
	try := func(src string, from, to int) bool {
		var obj map[string]any
		if json.Unmarshal([]byte(src), &obj) != nil {
			return false
		}
		fields := make(map[string]any, len(obj))
		for k, v := range obj {
			fields[strings.ToLower(strings.TrimSpace(k))] = v
		}
		for _, k := range keys {
			v, ok := fields[k]
			if !ok {
				continue
			}
			if s, ok := value(v); ok {
				out = append(out, answer{pos: to - 1, val: s, from: from, to: to, note: jsonNote(fields)})
				break
			}
		}
		return true
	}
	for i := 0; i < len(r.lines); i++ {
		l := r.lines[i]
		switch {
		case l.kind == lineFence && (r.blocks[l.block].tag == "json" || r.blocks[l.block].tag == ""):
			end := i + 1
			for end < len(r.lines) && r.lines[end].kind == lineCode {
				end++
			}
			if end < len(r.lines) && r.lines[end].kind == lineFence {
				end++
			}
			try(r.blocks[l.block].code, i, end)
			i = end - 1
		case l.kind == lineText && strings.Contains(l.text, "{"):
			// An object starting on this line, perhaps over the next ones.
			src := l.text[strings.Index(l.text, "{"):]
			for j := i; j < len(r.lines) && j < i+40 && r.lines[j].kind == lineText; j++ {
				if j > i {
					src += "\n" + r.lines[j].text
				}
				if !strings.Contains(r.lines[j].text, "}") {
					continue
				}
				from := i
				if strings.TrimSpace(l.text)[0] != '{' {
					from = i + 1 // keep the prose before the object
				}
				if try(src[:strings.LastIndex(src, "}")+1], from, j+1) {
					i = j
					break
				}
			}
		}
	}
	return out
}

// jsonNote joins the reasoning fields of a JSON answer.
func jsonNote(fields map[string]any) string {
	var parts []string
	for _, k := range []string{"analysis", "reasoning", "reason", "explanation", "rationale", "comments", "comment", "notes"} {
		if s, ok := fields[k].(string); ok && strings.TrimSpace(s) != "" {
			parts = append(parts, strings.TrimSpace(s))
		}
	}
	return strings.Join(parts, "\n\n")
}

// The score rules; see ParseScore.
var (
	// "(0-5)", "[0 to 5]", "from 0 to 5", "on a scale of 0-5": the scale,
	// not a score.
	scoreRangeRE = regexp.MustCompile(`(?i)(?:(?:on[ \t]+a[ \t]+scale[ \t]+)?(?:of|from)[ \t]+)?[(\[]?\b0[ \t]*(?:-|–|to)[ \t]*5\b[)\]]?`)
	scoreNumber  = `(-?\d+(?:\.\d+)?|zero|one|two|three|four|five)`
	scoreLabel   = `(?:score|rating|grade)`
	// A line that is only a score: "4", "(4)", "Four.", "Score: 4",
	// "Final score is 3.", "4/5", "3 out of 5".
	scoreLineRE = regexp.MustCompile(`(?i)^(?:(?:final|my|overall)[ \t]+)?(` + scoreLabel + `[ \t]*(?:is)?[ \t]*[:=\-–—]?[ \t]*)?` +
		`[(\[]?` + scoreNumber + `[)\]]?(?:[ \t]*(?:/|out[ \t]+of)[ \t]*(\d+))?[ \t]*[.!]?$`)
	// A number and a gloss on the last line: "4 (misses the empty list)",
	// "3: a clear pattern", "2 - abnormal on part of the cases".
	scoreGlossRE = regexp.MustCompile(`^(\d+)[ \t]*(?:\(|:[ \t]*|[—–][ \t]*|-[ \t]+)[A-Za-z]`)
	// A labelled score: "Score: 4", "score of 3", "my score is 2", "I'd
	// rate it a 2", "I'd give it a 3 out of 5".
	scoreLabelRE = regexp.MustCompile(`(?i)(?:\b` + scoreLabel + `\b[ \t]*(?:is[ \t]*:?[ \t]*|of[ \t]+|would[ \t]+be[ \t]+|should[ \t]+be[ \t]+|[:=\-–—][ \t]*)?|` +
		`\b(?:rate|give|assign)[ \t]+(?:it|this(?:[ \t]+(?:one|code|implementation|solution))?)[ \t]+)` +
		`(?:an?[ \t]+)?` + scoreNumber + `\b(?:[ \t]*(?:/|out[ \t]+of)[ \t]*(\d+))?`)
	// A JSON score string: "4", "4/5".
	scoreValueRE = regexp.MustCompile(`(?i)^` + scoreNumber + `(?:[ \t]*/[ \t]*(\d+))?$`)
	// A fraction of 5.
	fractionOf5RE = regexp.MustCompile(`(?i)(?:^|[^\w.])(\d+)[ \t]*(?:/|out[ \t]+of)[ \t]*5\b`)
	// What makes a fraction a test count: the words after it ("4/5 tests",
	// "4 out of 5 of the visible tests"), or before it ("Tests passed:").
	testNounRE = regexp.MustCompile(`(?i)^[ \t]*(?:(?:of|the|all|visible|unit|hidden|given)[ \t]+)*` +
		`(?:tests?|cases?|assertions?|examples?|inputs?|checks?|passed|failed|pass|fail|passing|failing)\b`)
	testLabelRE = regexp.MustCompile(`(?i)\b(?:tests?|cases?|assertions?|passed|failed|passes|fails|passing|failing|pass|fail)[ \t]*[:=]?[ \t]*$`)
)

var numberWords = map[string]int{"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}

// parseScore parses a score and returns the reply's analysis (see
// judgeReply.analysis).
func parseScore(reply string) (int, string, error) {
	r, err := prepareJudge(reply, "a score from 0 to 5")
	if err != nil {
		return 0, "", err
	}
	a, ok := pick(r.scoreAnswers())
	if !ok {
		return 0, r.analysis(nil), outputError(Unparsable, "reply has no score from 0 to 5")
	}
	s, err := checkScore(a.val)
	return s, r.analysis(&a), err
}

// scoreAnswers lists the scores the reply states (see ParseScore).
func (r judgeReply) scoreAnswers() []answer {
	var out []answer
	line := func(i int) string { return scoreRangeRE.ReplaceAllString(r.plain[i], "") }
	for _, l := range r.answerLines() {
		m := scoreLineRE.FindStringSubmatch(line(l[1]))
		if m == nil {
			continue
		}
		v := m[2]
		if m[3] != "" && m[3] != "5" {
			if m[1] == "" {
				continue // a test count, such as "3/4"
			}
			v += "/" + m[3]
		}
		out = append(out, answer{pos: l[1], val: v, from: l[0], to: l[1] + 1})
	}
	if i := r.last(); i >= 0 {
		if m := scoreGlossRE.FindStringSubmatch(line(i)); m != nil {
			if _, err := checkScore(m[1]); err == nil {
				out = append(out, answer{pos: i, val: m[1]})
			}
		}
	}
	for _, i := range r.text[:r.end] {
		l := line(i)
		for _, m := range scoreLabelRE.FindAllStringSubmatch(l, -1) {
			v := m[1]
			if m[2] != "" && m[2] != "5" {
				v += "/" + m[2]
			}
			out = append(out, r.inLine(i, v, scoreLineRE.MatchString(l)))
		}
		for _, m := range fractionOf5RE.FindAllStringSubmatchIndex(l, -1) {
			if testNounRE.MatchString(l[m[1]:]) || testLabelRE.MatchString(l[:m[2]]) {
				continue
			}
			out = append(out, r.inLine(i, l[m[2]:m[3]], scoreLineRE.MatchString(l)))
		}
	}
	out = append(out, r.jsonAnswers([]string{"score", "final_score", "rating", "grade"}, jsonScore)...)
	return out
}

// jsonScore reads a JSON score: a number or a string holding one.
func jsonScore(v any) (string, bool) {
	switch v := v.(type) {
	case float64:
		if v == math.Trunc(v) {
			return strconv.Itoa(int(v)), true
		}
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case string:
		s := strings.TrimSpace(strings.Trim(strings.TrimSpace(v), "*"))
		if m := scoreValueRE.FindStringSubmatch(s); m != nil {
			if m[2] != "" && m[2] != "5" {
				return m[1] + "/" + m[2], true
			}
			return m[1], true
		}
	}
	return "", false
}

// checkScore converts v to a score, refusing anything but 0 to 5.
func checkScore(v string) (int, error) {
	if n, ok := numberWords[strings.ToLower(v)]; ok {
		return n, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 5 {
		return 0, outputError(Unparsable, "score %q is not an integer from 0 to 5", v)
	}
	return n, nil
}

// The verdict rules; see ParseVerdict.
var (
	verdictWord  = `(true|false|yes|no)`
	verdictLabel = `(?:verdict|answer|conclusion|decision|judge?ment|assessment|acceptable)`
	// A line that is only a verdict: "True", "(False)", "Verdict: True.",
	// "Final answer: No", "Overall assessment: TRUE".
	verdictLineRE = regexp.MustCompile(`(?i)^(?:(?:final|my|overall)[ \t]+)?(?:` + verdictLabel + `[ \t]*(?:is)?[ \t]*[:=\-–—]?[ \t]*)?` +
		`[(\[]?` + verdictWord + `[)\]]?[ \t]*[.!]?$`)
	// A last line that starts with the verdict: "False: ...", "No, ...".
	verdictStartRE = regexp.MustCompile(`(?i)^` + verdictWord + `(?:[ \t]*[.,;:!—–(]|[ \t]+-[ \t]|$)`)
	// A last line that ends with True or False as a sentence of its own
	// ("... handled. True") or after a colon or a dash ("Everything is
	// handled: TRUE"). Not Yes or No: "Hard-coded? No." answers a check.
	verdictEndRE = regexp.MustCompile(`(?i)(?:^|[.!?;][ \t]+|([:—–])[ \t]*|[ \t](-)[ \t]+)(true|false)[ \t]*[.!]?$`)
	// A last line that concludes with the verdict: "..., so True.".
	verdictSoRE = regexp.MustCompile(`(?i)\b(?:so|thus|hence|therefore)[,:]?[ \t]+` + verdictWord + `[ \t]*[.!]?$`)
	// What before a colon or a dash makes the verdict a program value.
	valueLabelRE = regexp.MustCompile(`(?i)(?:\b(?:returns?|returned|outputs?|expected|got|actual|value|prints?|gives|yields|result|evaluates[ \t]+to|equals?)|[=(<>])[ \t]*$`)
	// A labelled verdict anywhere: "Verdict: False", "the answer is True".
	verdictLabelRE = regexp.MustCompile(`(?i)\b(?:final[ \t]+)?` + verdictLabel + `\b[ \t]*(?:\([^)\n]{0,20}\)[ \t]*)?(?:is[ \t]*:?|:|=|-|–|—)[ \t]*` + verdictWord +
		`(?:$|[ \t]*[.,;:!)\]—–]|[ \t]+(?:-|because|since|as)\b)`)
	// Words before a label that make it a program value: "the expected
	// answer is False".
	valueBeforeLabelRE = regexp.MustCompile(`(?i)\b(?:expected|correct|right|wrong|actual|returned|function'?s?|code'?s?)[ \t]+(?:final[ \t]+)?$`)
)

// parseVerdict parses a verdict and returns the reply's analysis (see
// judgeReply.analysis).
func parseVerdict(reply string) (bool, string, error) {
	r, err := prepareJudge(reply, "True or False")
	if err != nil {
		return false, "", err
	}
	a, ok := pick(r.verdictAnswers())
	if !ok {
		return false, r.analysis(nil), outputError(Unparsable, "reply has no True or False verdict")
	}
	return isYes(a.val), r.analysis(&a), nil
}

// verdictAnswers lists the verdicts the reply states (see ParseVerdict).
func (r judgeReply) verdictAnswers() []answer {
	var out []answer
	for _, l := range r.answerLines() {
		if m := verdictLineRE.FindStringSubmatch(r.plain[l[1]]); m != nil {
			out = append(out, answer{pos: l[1], val: m[1], from: l[0], to: l[1] + 1})
		}
	}
	if i := r.last(); i >= 0 {
		l := r.plain[i]
		if m := verdictStartRE.FindStringSubmatch(l); m != nil {
			out = append(out, answer{pos: i, val: m[1]})
		}
		if m := verdictEndRE.FindStringSubmatchIndex(l); m != nil {
			sep := m[2] >= 0 || m[4] >= 0 // after a colon or a dash
			if !sep || !valueLabelRE.MatchString(l[:m[0]]) {
				out = append(out, answer{pos: i, val: l[m[6]:m[7]]})
			}
		}
		if m := verdictSoRE.FindStringSubmatch(l); m != nil {
			out = append(out, answer{pos: i, val: m[1]})
		}
	}
	for _, i := range r.text[:r.end] {
		l := r.plain[i]
		for _, m := range verdictLabelRE.FindAllStringSubmatchIndex(l, -1) {
			if !valueBeforeLabelRE.MatchString(l[:m[0]]) {
				out = append(out, r.inLine(i, l[m[2]:m[3]], verdictLineRE.MatchString(l)))
			}
		}
	}
	keys := []string{"verdict", "final_verdict", "acceptable", "is_acceptable", "answer", "final_answer", "correct", "is_correct", "pass", "passes", "ok"}
	return append(out, r.jsonAnswers(keys, jsonVerdict)...)
}

// jsonVerdict reads a JSON verdict: a boolean or a string holding one.
func jsonVerdict(v any) (string, bool) {
	switch v := v.(type) {
	case bool:
		return strconv.FormatBool(v), true
	case string:
		if m := verdictLineRE.FindStringSubmatch(plainLine(v)); m != nil {
			return m[1], true
		}
	}
	return "", false
}

func isYes(w string) bool {
	w = strings.ToLower(w)
	return w == "true" || w == "yes"
}
