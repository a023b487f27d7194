package blob

import (
	"mime"
	"testing"
)

// The header parses back to the exact name, whatever the name holds
// (Persian, separators a header would split on, quotes).
func TestDispositionNamesTheFileExactly(t *testing.T) {
	for _, name := range []string{"report.pdf", "گزارش فروش ۱۴۰۳.xlsx", `a;b,c "d".txt`, "50% off (final).docx"} {
		kind, params, err := mime.ParseMediaType(Disposition("attachment", name))
		if err != nil || kind != "attachment" || params["filename"] != name {
			t.Errorf("%q: %q %v %v", name, kind, params, err)
		}
	}
}
