package feedback

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/store"
)

// QuestionStats is the analysis of one question.
type QuestionStats struct {
	QuestionID   string           `json:"question_id"`
	Text         string           `json:"text"`
	Type         string           `json:"type"`
	Responses    int64            `json:"responses"`
	Average      *float64         `json:"average,omitempty" doc:"rating: mean, 2 decimals"`
	Distribution map[string]int64 `json:"distribution,omitempty" doc:"rating: count per value; choices: count per option"`
	NPS          *float64         `json:"nps,omitempty" doc:"0–10 rating: % promoters (9–10) − % detractors (0–6)"`
	Promoters    *int64           `json:"promoters,omitempty"`
	Passives     *int64           `json:"passives,omitempty"`
	Detractors   *int64           `json:"detractors,omitempty"`
	CSAT         *float64         `json:"csat,omitempty" doc:"1–5 rating: % of answers 4 or 5"`
}

// SentimentSummary counts the submissions' text sentiment.
type SentimentSummary struct {
	Lexicon  string `json:"lexicon" doc:"The word list used (shared/feedback/lexicon.go)"`
	Method   string `json:"method"`
	Positive int64  `json:"positive"`
	Negative int64  `json:"negative"`
	Neutral  int64  `json:"neutral"`
	// Score is (positive − negative) / texts analysed, −1 … 1.
	Score float64 `json:"score"`
}

// Analysis is a form's figures, from its counters item.
type Analysis struct {
	FormID            string           `json:"form_id"`
	Title             string           `json:"title"`
	TotalResponses    int64            `json:"total_responses"`
	Recipients        int              `json:"recipients"`
	RecipientsReplied int64            `json:"recipients_responded"`
	ResponseRate      *float64         `json:"response_rate" doc:"% of recipients who answered (null without recipients)"`
	Questions         []QuestionStats  `json:"questions"`
	NPS               *float64         `json:"nps" doc:"of the form's first 0–10 rating question"`
	CSAT              *float64         `json:"csat" doc:"of the form's first 1–5 rating question"`
	Sentiment         SentimentSummary `json:"sentiment_analysis"`
	Insights          []string         `json:"insights"`
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

func pf(f float64) *float64 { return &f }

// Analyze reads a form and its counters (one BatchGet), whatever the
// number of submissions.
func (s *Service) Analyze(ctx context.Context, formID string) (*Analysis, error) {
	t, err := s.table(ctx)
	if err != nil {
		return nil, err
	}
	f, _, err := s.load(ctx, t, formID)
	if err != nil {
		return nil, err
	}
	st, err := t.Get(ctx, statsKey(f.ID))
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		st = store.Item{}
	} else if err != nil {
		return nil, err
	}
	a := &Analysis{FormID: f.ID, Title: f.Title, TotalResponses: store.Int(st, "n"), Recipients: len(f.Recipients),
		RecipientsReplied: store.Int(st, "nr"), Questions: []QuestionStats{}, Insights: []string{}}
	if a.Recipients > 0 {
		a.ResponseRate = pf(round2(float64(a.RecipientsReplied) / float64(a.Recipients) * 100))
	}
	for _, q := range f.Questions {
		qs := QuestionStats{QuestionID: q.ID, Text: q.Text, Type: q.Type, Responses: store.Int(st, "q_"+q.ID+"_n")}
		switch q.Type {
		case Rating:
			qs.Distribution = map[string]int64{}
			for v := *q.Min; v <= *q.Max; v++ {
				qs.Distribution[strconv.Itoa(v)] = store.Int(st, "q_"+q.ID+"_v"+strconv.Itoa(v))
			}
			if qs.Responses > 0 {
				qs.Average = pf(round2(float64(store.Int(st, "q_"+q.ID+"_sum")) / float64(qs.Responses)))
				n := float64(qs.Responses)
				if *q.Min == 0 && *q.Max == 10 {
					var p, d, pa int64
					for v := 0; v <= 10; v++ {
						c := qs.Distribution[strconv.Itoa(v)]
						switch {
						case v >= 9:
							p += c
						case v <= 6:
							d += c
						default:
							pa += c
						}
					}
					qs.Promoters, qs.Passives, qs.Detractors = &p, &pa, &d
					qs.NPS = pf(round2(float64(p)/n*100 - float64(d)/n*100))
					if a.NPS == nil {
						a.NPS = qs.NPS
					}
				}
				if *q.Min == 1 && *q.Max == 5 {
					sat := qs.Distribution["4"] + qs.Distribution["5"]
					qs.CSAT = pf(round2(float64(sat) / n * 100))
					if a.CSAT == nil {
						a.CSAT = qs.CSAT
					}
				}
			}
		case Single, Multiple:
			qs.Distribution = map[string]int64{}
			for i, o := range q.Options {
				qs.Distribution[o] = store.Int(st, "q_"+q.ID+"_o"+strconv.Itoa(i))
			}
		}
		a.Questions = append(a.Questions, qs)
	}
	a.Sentiment = SentimentSummary{Lexicon: LexiconName, Method: "word lists in Persian and English; a negation before a word flips it",
		Positive: store.Int(st, "sent_positive"), Negative: store.Int(st, "sent_negative"), Neutral: store.Int(st, "sent_neutral")}
	if n := a.Sentiment.Positive + a.Sentiment.Negative + a.Sentiment.Neutral; n > 0 {
		a.Sentiment.Score = round2(float64(a.Sentiment.Positive-a.Sentiment.Negative) / float64(n))
	}
	a.Insights = insights(a)
	return a, nil
}

func insights(a *Analysis) []string {
	out := []string{}
	if a.TotalResponses == 0 {
		return append(out, "no responses yet")
	}
	if a.NPS != nil {
		label := "good"
		switch {
		case *a.NPS < 0:
			label = "negative: more detractors than promoters"
		case *a.NPS >= 50:
			label = "excellent"
		}
		out = append(out, fmt.Sprintf("NPS %.2f (%s)", *a.NPS, label))
	}
	if a.CSAT != nil {
		out = append(out, fmt.Sprintf("%.2f%% of customers are satisfied (4 or 5 of 5)", *a.CSAT))
	}
	var low *QuestionStats
	for i := range a.Questions {
		q := &a.Questions[i]
		if q.Average != nil && (low == nil || *q.Average < *low.Average) {
			low = q
		}
	}
	if low != nil {
		out = append(out, fmt.Sprintf("lowest average: %q at %.2f", low.Text, *low.Average))
	}
	if a.ResponseRate != nil && *a.ResponseRate < 30 {
		out = append(out, fmt.Sprintf("only %.2f%% of recipients answered; consider a reminder", *a.ResponseRate))
	}
	if s := a.Sentiment; s.Negative > s.Positive {
		out = append(out, "written comments lean negative")
	} else if s.Positive > s.Negative {
		out = append(out, "written comments lean positive")
	}
	return out
}

// SentimentResult is the sentiment of one text.
type SentimentResult struct {
	Label    string
	Score    int
	Positive int
	Negative int
}

// Sentiment scores a text with the lexicon: each positive word +1, each
// negative word −1, flipped after a negation word.
func Sentiment(text string) SentimentResult {
	words := strings.FieldsFunc(normalizeText(text), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r >= 0x0600 && r <= 0x06FF || r == '\u200c')
	})
	var res SentimentResult
	neg := false
	for _, w := range words {
		w = strings.ReplaceAll(w, "\u200c", "")
		if negations[w] {
			neg = true
			continue
		}
		v := 0
		if positive[w] {
			v = 1
		} else if negative[w] {
			v = -1
		}
		if neg {
			v = -v
		}
		neg = false
		switch {
		case v > 0:
			res.Positive++
		case v < 0:
			res.Negative++
		}
		res.Score += v
	}
	switch {
	case res.Score > 0:
		res.Label = "positive"
	case res.Score < 0:
		res.Label = "negative"
	default:
		res.Label = "neutral"
	}
	return res
}

func normalizeText(s string) string {
	s = strings.ToLower(s)
	return strings.NewReplacer("ي", "ی", "ك", "ک", "ة", "ه", "أ", "ا", "إ", "ا").Replace(s)
}
