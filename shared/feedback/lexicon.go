package feedback

import "strings"

// LexiconName names the word lists below in every analysis, so a reader
// knows what the sentiment figures rest on.
const LexiconName = "payvand-feedback-lexicon-v1 (fa, en)"

// Word lists of the sentiment analysis: Persian (normalized: ی, ک, no
// ZWNJ) and English, lowercased. Short on purpose: customer-feedback
// words, not a general-purpose lexicon.
var positive = set(`
good great excellent amazing awesome perfect love loved like liked happy satisfied pleased helpful fast quick friendly
professional recommend recommended best wonderful nice fantastic easy smooth reliable clean polite kind thanks thank
خوب عالی عالیه عالیست بی‌نظیر بینظیر فوق‌العاده فوقالعاده ممنون متشکر سپاس راضی خوشحال سریع دقیق مودب مؤدب حرفه‌ای حرفهای
مفید آسان ساده تمیز مهربان بهترین پیشنهاد توصیه قوی خوشایند رضایت دوستانه کامل موفق
`)

var negative = set(`
bad poor terrible awful horrible worst slow late rude broken hate hated disappointed disappointing unhappy angry
useless difficult hard confusing expensive dirty wrong problem problems issue issues bug bugs never refund complaint
بد بده افتضاح ضعیف کند دیر بی‌ادب بیادب خراب ناراضی عصبانی ناامید گران گرون کثیف اشتباه مشکل ایراد باگ شکایت
بدترین وحشتناک پیچیده سخت نامناسب ناقص تاخیر تأخیر معیوب
`)

var negations = set(`not no isn't wasn't don't didn't nothing نه نیست نبود نبودند هیچ`)

func set(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[strings.ReplaceAll(normalizeText(w), "\u200c", "")] = true
	}
	return m
}
