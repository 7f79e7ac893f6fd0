package agent

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
)

// Price is what a model costs, in US dollars per million tokens.
type Price struct {
	Prompt     float64 `json:"prompt"`
	Completion float64 `json:"completion"`
}

// Cost prices a usage.
func (p Price) Cost(u Usage) float64 {
	return (float64(u.PromptTokens)*p.Prompt + float64(u.CompletionTokens)*p.Completion) / 1e6
}

// PriceTable maps model names to prices. Lookup also matches dated variants
// by prefix (gpt-4o-2024-08-06 is priced as gpt-4o; the longest prefix wins).
type PriceTable map[string]Price

// DefaultPrices returns a fresh copy of the built-in prices (OpenAI list
// prices, USD per 1M tokens).
func DefaultPrices() PriceTable {
	return PriceTable{
		"gpt-4o":        {Prompt: 2.50, Completion: 10.00},
		"gpt-4o-mini":   {Prompt: 0.15, Completion: 0.60},
		"gpt-4.1":       {Prompt: 2.00, Completion: 8.00},
		"gpt-4.1-mini":  {Prompt: 0.40, Completion: 1.60},
		"gpt-4.1-nano":  {Prompt: 0.10, Completion: 0.40},
		"o3-mini":       {Prompt: 1.10, Completion: 4.40},
		"o4-mini":       {Prompt: 1.10, Completion: 4.40},
		"gpt-3.5-turbo": {Prompt: 0.50, Completion: 1.50},
	}
}

// Lookup finds the price of model: an exact match, else the longest table
// entry that model starts with followed by '-', ':' or '@' (dated and tagged
// variants). A provider prefix such as "openai/" is ignored. Matching is
// case-insensitive. ok is false when the price is unknown.
func (t PriceTable) Lookup(model string) (p Price, ok bool) {
	full := strings.ToLower(model)
	name := full
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	best := -1
	for k, v := range t {
		k = strings.ToLower(k)
		if k == name || k == full {
			return v, true
		}
		if len(k) > best && len(name) > len(k) && strings.HasPrefix(name, k) && strings.ContainsRune("-:@", rune(name[len(k)])) {
			best, p = len(k), v
		}
	}
	return p, best >= 0
}

// LoadPrices reads a JSON price file, {"model": {"prompt": 1.0,
// "completion": 2.0}}, in USD per 1M tokens, merged over DefaultPrices.
func LoadPrices(path string) (PriceTable, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read price file: %w", err)
	}
	var file map[string]Price
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("parse price file %s: %w (want {\"model\": {\"prompt\": 2.5, \"completion\": 10}})", path, err)
	}
	t := DefaultPrices()
	for model, p := range file {
		if model == "" || !validPrice(p.Prompt) || !validPrice(p.Completion) {
			return nil, fmt.Errorf("parse price file %s: model %q: want a name and non-negative prices", path, model)
		}
		t[model] = p
	}
	return t, nil
}

func validPrice(x float64) bool { return x >= 0 && !math.IsInf(x, 0) && !math.IsNaN(x) }
