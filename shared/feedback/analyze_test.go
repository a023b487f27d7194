package feedback

import "testing"

func TestSentiment(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"خیلی عالی بود، ممنون", "positive"},
		{"پشتیبانی خوب ولی ارسال خیلی کند و بسته‌بندی افتضاح", "negative"},
		{"it was not good", "negative"},
		{"Great service, thank you!", "positive"},
		{"slow and rude", "negative"},
		{"نه بد بود", "positive"},
		{"the box arrived on Tuesday", "neutral"},
		{"عالي", "positive"}, // Arabic ی
	} {
		if got := Sentiment(c.text).Label; got != c.want {
			t.Errorf("%q: %s, want %s", c.text, got, c.want)
		}
	}
}
