package agent

import (
	"regexp"
	"strconv"
	"strings"
)

// ParseScore returns the Critic's test score, an integer from 0 to 5, from a
// reply that analyses first and scores on its last line:
//
//   - On the last non-empty line outside code blocks (markdown marks
//     removed): a labelled score ("Score: 4", "Final score: 3.", "score
//     of 2"), a fraction of 5 ("4/5", "3 out of 5"), a bare number ("4",
//     "**4**", "(4)") or a number word ("Four."); a range such as "(0-5)" is
//     ignored. If one is there and is not an integer from 0 to 5 ("Score: 7",
//     "8/10", "4.5"), the reply is Unparsable.
//   - Otherwise the last integer on that line, if it is from 0 to 5.
//   - Otherwise, in the whole reply outside code: the last labelled score or
//     fraction of 5, else the last standalone integer from 0 to 5
//     ("I'd give it a 3 out of 5. Hope this helps!").
//
// An empty reply is an EmptyOutput error; a reply without a score is
// Unparsable.
func ParseScore(reply string) (int, error) {
	s, _, err := parseScore(reply)
	return s, err
}

// ParseVerdict returns the Critic's verification verdict from a reply that
// analyses first and answers True or False on its last line:
//
//   - On the last non-empty line outside code blocks (markdown marks
//     removed): a labelled answer ("Verdict: true", "Answer: No"), else a
//     line starting with True or False ("False.", "**True**"), or with a
//     Yes or No followed by punctuation ("No, the loop misses...").
//   - Otherwise the last capitalised True or False (True, FALSE) on that
//     line, else in the whole reply outside code; then the same for lower
//     case ones ("true"), which prose uses more often.
//
// An empty reply is an EmptyOutput error; a reply without a verdict is
// Unparsable.
func ParseVerdict(reply string) (bool, error) {
	v, _, err := parseVerdict(reply)
	return v, err
}

var (
	// "(0-5)", "[0 to 5]", "from 0 to 5": the scale, not a score.
	scoreRangeRE = regexp.MustCompile(`(?i)(?:from[ \t]+)?[(\[]?\b0[ \t]*(?:-|–|to)[ \t]*5\b[)\]]?`)
	scoreLabelRE = regexp.MustCompile(`(?i)\b(?:score|rating|grade)\b[^0-9\n]{0,24}?(-?\d+(?:\.\d+)?)`)
	fractionRE   = regexp.MustCompile(`(?i)(-?\d+(?:\.\d+)?)[ \t]*(?:/|out[ \t]+of)[ \t]*(\d+)`)
	bareNumberRE = regexp.MustCompile(`^[(\[]?(-?\d+(?:\.\d+)?)[)\]]?[ \t]*\.?$`)
	numberWordRE = regexp.MustCompile(`(?i)^(?:(?:final[ \t]+)?(?:score|rating)[ \t]*(?:is)?[ \t]*[:=-]?[ \t]*)?(zero|one|two|three|four|five)[ \t]*\.?$`)
	integerRE    = regexp.MustCompile(`-?\d+(?:\.\d+)?`)
	inlineCodeRE = regexp.MustCompile("`[^`\n]*`")
)

var numberWords = map[string]int{"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}

// parseScore parses a score and returns the reply's analysis: the reply
// without its last line when that line holds only the score.
func parseScore(reply string) (int, string, error) {
	text, err := prepare(reply, "a score from 0 to 5")
	if err != nil {
		return 0, "", err
	}
	lines, _ := scanFences(text)
	tl := textLines(lines)
	if len(tl) == 0 {
		return 0, "", outputError(Unparsable, "reply has no score outside code blocks")
	}
	last := scoreRangeRE.ReplaceAllString(plainLine(tl[len(tl)-1]), "")
	analysis := analysisOf(text)

	if m := numberWordRE.FindStringSubmatch(last); m != nil {
		return numberWords[strings.ToLower(m[1])], analysis, nil
	}
	if v, ok := labelledScore(last); ok {
		s, err := checkScore(v, last)
		return s, analysis, err
	}
	if m := bareNumberRE.FindStringSubmatch(last); m != nil {
		s, err := checkScore(m[1], last)
		return s, analysis, err
	}
	if nums := standalone(last); len(nums) > 0 {
		if s, err := checkScore(nums[len(nums)-1], last); err == nil {
			return s, analysis, nil
		}
	}

	// Nothing on the last line: search the whole reply.
	body := scoreRangeRE.ReplaceAllString(inlineCodeRE.ReplaceAllString(strings.Join(tl, "\n"), ""), "")
	body = strings.ReplaceAll(body, "*", "")
	if v, ok := labelledScore(body); ok {
		s, err := checkScore(v, "the reply")
		return s, analysis, err
	}
	nums := standalone(body)
	for i := len(nums) - 1; i >= 0; i-- {
		if s, err := checkScore(nums[i], ""); err == nil {
			return s, analysis, nil
		}
	}
	return 0, analysis, outputError(Unparsable, "reply has no score from 0 to 5")
}

// labelledScore finds the last labelled score or fraction of 5 in s, as
// text; a fraction of anything else is returned as itself to be refused.
func labelledScore(s string) (string, bool) {
	var v string
	pos := -1
	for _, m := range scoreLabelRE.FindAllStringSubmatchIndex(s, -1) {
		pos, v = m[2], s[m[2]:m[3]]
	}
	for _, m := range fractionRE.FindAllStringSubmatchIndex(s, -1) {
		if m[2] < pos {
			continue
		}
		pos, v = m[2], s[m[2]:m[3]]
		if s[m[4]:m[5]] != "5" {
			v = s[m[0]:m[1]]
		}
	}
	return v, pos >= 0
}

// checkScore converts v to a score, refusing anything but 0 to 5.
func checkScore(v, where string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 5 {
		return 0, outputError(Unparsable, "score %q in %q is not an integer from 0 to 5", v, where)
	}
	return n, nil
}

// standalone returns the integers of s that are words of their own: not
// part of an identifier, a decimal number or a version.
func standalone(s string) []string {
	var out []string
	for _, m := range integerRE.FindAllStringIndex(s, -1) {
		v := s[m[0]:m[1]]
		if strings.Contains(v, ".") {
			continue
		}
		if m[0] > 0 && (isWordByte(s[m[0]-1]) || s[m[0]-1] == '.') {
			continue
		}
		if m[1] < len(s) && (isWordByte(s[m[1]]) || s[m[1]] == '.' && m[1]+1 < len(s) && isDigit(s[m[1]+1])) {
			continue
		}
		out = append(out, v)
	}
	return out
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isWordByte(c byte) bool {
	return c == '_' || isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

var (
	verdictLabelRE = regexp.MustCompile(`(?i)\b(?:verdict|answer|result|decision|conclusion|judgement|judgment|acceptable|output)\b[^A-Za-z\n]{0,6}(?:is[ \t]+)?(true|false|yes|no)\b`)
	verdictStartRE = regexp.MustCompile(`(?i)^(?:(true|false)\b|(yes|no)(?:[ \t]*[.,;:!—–-]|$))`)
	verdictWordRE  = regexp.MustCompile(`(?i)\b(true|false)\b`)
	verdictCapsRE  = regexp.MustCompile(`\b(True|False|TRUE|FALSE)\b`)
)

// parseVerdict parses a verdict and returns the reply's analysis: the reply
// without its last line when that line holds only the verdict.
func parseVerdict(reply string) (bool, string, error) {
	text, err := prepare(reply, "True or False")
	if err != nil {
		return false, "", err
	}
	lines, _ := scanFences(text)
	tl := textLines(lines)
	if len(tl) == 0 {
		return false, "", outputError(Unparsable, "reply has no verdict outside code blocks")
	}
	analysis := analysisOf(text)
	last := plainLine(tl[len(tl)-1])
	if m := verdictLabelRE.FindAllStringSubmatch(last, -1); m != nil {
		return isYes(m[len(m)-1][1]), analysis, nil
	}
	if m := verdictStartRE.FindStringSubmatch(last); m != nil {
		return isYes(m[1] + m[2]), analysis, nil
	}
	// The last True or False word: capitalised ones first, on the last line,
	// then anywhere; then lower case ones the same way.
	body := inlineCodeRE.ReplaceAllString(strings.Join(tl, "\n"), "")
	for _, re := range []*regexp.Regexp{verdictCapsRE, verdictWordRE} {
		for _, s := range []string{last, body} {
			if m := re.FindAllString(s, -1); m != nil {
				return isYes(m[len(m)-1]), analysis, nil
			}
		}
	}
	return false, analysis, outputError(Unparsable, "reply has no True or False verdict")
}

func isYes(w string) bool {
	w = strings.ToLower(w)
	return w == "true" || w == "yes"
}

// answerLineRE matches a line that holds only a score or a verdict, with an
// optional label: "Score: 4", "4/5", "**False**", "Verdict: True.".
var answerLineRE = regexp.MustCompile(`(?i)^(?:(?:final|overall|my)[ \t]+)?` +
	`(?:(?:score|rating|grade|verdict|answer|result|decision)[ \t]*(?:is)?[ \t]*[:=-]?[ \t]*)?` +
	`[(\[]?(?:-?\d+(?:\.\d+)?|zero|one|two|three|four|five|true|false|yes|no)[)\]]?` +
	`(?:[ \t]*(?:/|out[ \t]+of)[ \t]*\d+)?[ \t]*\.?$`)

// analysisOf returns text without its last non-empty line when that line
// (markdown marks removed) holds only the answer (answerLineRE), else all
// of text; trimmed.
func analysisOf(text string) string {
	t := strings.TrimSpace(text)
	i := strings.LastIndex(t, "\n")
	if answerLineRE.MatchString(plainLine(t[i+1:])) {
		return strings.TrimSpace(t[:i+1])
	}
	return t
}
