package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPriceLookup(t *testing.T) {
	t.Parallel()
	table := DefaultPrices()
	tests := []struct {
		model  string
		want   Price
		wantOK bool
	}{
		{model: "gpt-4o", want: Price{2.50, 10.00}, wantOK: true},
		{model: "gpt-4o-2024-08-06", want: Price{2.50, 10.00}, wantOK: true},
		{model: "gpt-4o-mini", want: Price{0.15, 0.60}, wantOK: true},
		{model: "gpt-4o-mini-2024-07-18", want: Price{0.15, 0.60}, wantOK: true}, // longest prefix wins
		{model: "gpt-4.1-nano-2025-04-14", want: Price{0.10, 0.40}, wantOK: true},
		{model: "gpt-4.1-2025-04-14", want: Price{2.00, 8.00}, wantOK: true},
		{model: "o3-mini", want: Price{1.10, 4.40}, wantOK: true},
		{model: "o4-mini-2025-04-16", want: Price{1.10, 4.40}, wantOK: true},
		{model: "gpt-3.5-turbo-0125", want: Price{0.50, 1.50}, wantOK: true},
		{model: "GPT-4o", want: Price{2.50, 10.00}, wantOK: true},
		{model: "openai/gpt-4o-mini", want: Price{0.15, 0.60}, wantOK: true},
		{model: "gpt-4omni", wantOK: false}, // a prefix must end at a separator
		{model: "gpt-4", wantOK: false},
		{model: "llama3.1:8b", wantOK: false},
		{model: "", wantOK: false},
	}
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			t.Parallel()
			got, ok := table.Lookup(tt.model)
			if ok != tt.wantOK || got != tt.want {
				t.Errorf("Lookup(%q) = %v, %v; want %v, %v", tt.model, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestPriceCost(t *testing.T) {
	t.Parallel()
	p := Price{Prompt: 2.5, Completion: 10}
	if got, want := p.Cost(Usage{PromptTokens: 1_000_000, CompletionTokens: 500_000}), 7.5; !near(got, want) {
		t.Errorf("Cost = %g, want %g", got, want)
	}
}

func TestLoadPrices(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		file    string
		check   map[string]Price
		wantErr string
	}{
		{
			name:  "merged over the defaults",
			file:  `{"llama3": {"prompt": 0, "completion": 0}, "gpt-4o": {"prompt": 1, "completion": 2}}`,
			check: map[string]Price{"llama3": {}, "gpt-4o": {1, 2}, "gpt-4o-mini": {0.15, 0.60}},
		},
		{name: "unknown field", file: `{"m": {"input": 1}}`, wantErr: "unknown field"},
		{name: "negative", file: `{"m": {"prompt": -1, "completion": 1}}`, wantErr: "non-negative"},
		{name: "not JSON", file: `m: 1`, wantErr: "parse price file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "prices.json")
			if err := os.WriteFile(path, []byte(tt.file), 0o644); err != nil {
				t.Fatal(err)
			}
			table, err := LoadPrices(path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("LoadPrices: %v, want an error saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadPrices: %v", err)
			}
			for model, want := range tt.check {
				if got, ok := table.Lookup(model); !ok || got != want {
					t.Errorf("%s: %v, %v; want %v", model, got, ok, want)
				}
			}
		})
	}
	if _, err := LoadPrices(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Errorf("LoadPrices of a missing file: no error")
	}
}

func TestDefaultPricesIsACopy(t *testing.T) {
	t.Parallel()
	a := DefaultPrices()
	a["gpt-4o"] = Price{}
	if p, _ := DefaultPrices().Lookup("gpt-4o"); p.Prompt != 2.50 {
		t.Errorf("editing one table changed the defaults: %v", p)
	}
}
