package imports

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"

	"payvand.dev/shared/crm"
)

// Text encodings of CSV files a client may name (encoding=…); names are
// matched without case. Without a name the encoding is detected: a BOM
// (UTF-8, UTF-16 LE or BE), UTF-16 without BOM, valid UTF-8, and else the
// more plausible of Windows-1256 (Persian Excel) and Windows-1252 (Excel in
// western Europe and the Americas), or a refusal when neither is.
const (
	UTF8        = "utf-8"
	UTF16       = "utf-16" // with a BOM, little-endian without one
	UTF16LE     = "utf-16le"
	UTF16BE     = "utf-16be"
	Windows1256 = "windows-1256"
	Windows1252 = "windows-1252"
)

var encodingNames = map[string]string{
	"utf-8": UTF8, "utf8": UTF8,
	"utf-16": UTF16, "utf16": UTF16, "unicode": UTF16,
	"utf-16le": UTF16LE, "utf16le": UTF16LE, "utf-16be": UTF16BE, "utf16be": UTF16BE,
	"windows-1256": Windows1256, "cp1256": Windows1256, "arabic": Windows1256,
	"windows-1252": Windows1252, "cp1252": Windows1252, "latin1": Windows1252, "iso-8859-1": Windows1252,
}

// EncodingNames lists the accepted encoding names (canonical ones).
var EncodingNames = []string{UTF8, UTF16, UTF16LE, UTF16BE, Windows1256, Windows1252}

// CheckEncoding returns the canonical name of a client's encoding= value
// ("" for none: detect), or a 422 naming the encoding field.
func CheckEncoding(name string) (string, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" || name == "auto" {
		return "", nil
	}
	if c, ok := encodingNames[name]; ok {
		return c, nil
	}
	msg := fmt.Sprintf("unknown text encoding %q; use one of %s (or leave it out to detect it)", name, strings.Join(EncodingNames, ", "))
	return "", &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"encoding": {msg}}}
}

// undetectable is the refusal of text in no encoding the import can tell.
func undetectable() error {
	return invalidFile("its text encoding is not recognised (it is not UTF-8 or UTF-16 and reads as neither Persian Windows-1256 nor Latin Windows-1252 text); " +
		"save it as \"CSV UTF-8\" or name its encoding in the encoding field (" + strings.Join(EncodingNames, ", ") + ")")
}

// toUTF8 decodes the bytes of a CSV file to UTF-8 without a BOM, in the
// named encoding (canonical, as CheckEncoding returns) or, for "", the one
// detected.
func toUTF8(data []byte, enc string) ([]byte, error) {
	if enc == "" {
		enc = detect(data)
		if enc == "" {
			if bytes.HasPrefix(data, []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")) {
				return nil, invalidFile("it is an Excel 97-2003 workbook (.xls); save it as .xlsx or as CSV")
			}
			return nil, undetectable()
		}
	}
	var dec *encoding.Decoder
	switch enc {
	case UTF8:
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		if !utf8.Valid(data) {
			return nil, invalidFile("it is not valid UTF-8 text")
		}
		return data, nil
	case UTF16:
		dec = xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM).NewDecoder()
	case UTF16LE:
		dec = xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM).NewDecoder()
	case UTF16BE:
		dec = xunicode.UTF16(xunicode.BigEndian, xunicode.UseBOM).NewDecoder()
	case Windows1256:
		out, err := charmap.Windows1256.NewDecoder().Bytes(data)
		if err != nil {
			return nil, undetectable()
		}
		// Windows-1256 has only the Arabic yeh and kaf; Persian text
		// written in it means the Persian letters.
		return []byte(strings.NewReplacer("ي", "ی", "ك", "ک").Replace(string(out))), nil
	case Windows1252:
		dec = charmap.Windows1252.NewDecoder()
	default:
		return nil, undetectable()
	}
	out, err := dec.Bytes(data)
	if err != nil {
		return nil, undetectable()
	}
	return bytes.TrimPrefix(out, []byte("\xef\xbb\xbf")), nil
}

// detect names the encoding of data, "" when no decoding is plausible.
func detect(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("\xef\xbb\xbf")):
		return UTF8
	case bytes.HasPrefix(data, []byte("\xff\xfe")):
		return UTF16LE
	case bytes.HasPrefix(data, []byte("\xfe\xff")):
		return UTF16BE
	}
	// UTF-16 without a BOM: a header of ASCII names has a NUL in every
	// other byte.
	if n := min(len(data), 64) &^ 1; n >= 4 {
		even, odd := 0, 0
		for i := 0; i < n; i += 2 {
			if data[i] == 0 {
				even++
			}
			if data[i+1] == 0 {
				odd++
			}
		}
		switch {
		case odd >= n/2*3/4 && even == 0:
			return UTF16LE
		case even >= n/2*3/4 && odd == 0:
			return UTF16BE
		}
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return "" // NULs: not text in a single-byte encoding
	}
	if utf8.Valid(data) {
		return UTF8
	}
	// Judge a single-byte decoding by what the bytes ≥ 0x80 become (a
	// sample of the first MB is enough). Both tables turn almost every such
	// byte into some letter, so each is judged in context:
	//   - Windows-1256 is plausible where a byte becomes a Persian/Arabic
	//     letter (not a diacritic or the tatweel), ZWNJ or Persian
	//     punctuation, and no ASCII letter touches it: Persian words are
	//     runs of these bytes between spaces and punctuation.
	//   - Windows-1252 is plausible where a byte becomes a Latin letter
	//     inside a word of ASCII letters ("Muñoz", "Ødegård") or in a run of
	//     at most two such bytes ("à", "Ö."), or common punctuation (’ – €).
	// Western text read as Windows-1256 puts Arabic letters between ASCII
	// letters; Persian text read as Windows-1252 gives long runs of
	// accented capitals; random bytes are neither.
	sample := data[:min(len(data), 1<<20)]
	var n, ar, la int
	for i := 0; i < len(sample); {
		if sample[i] < 0x80 {
			i++
			continue
		}
		j := i // the run of bytes ≥ 0x80 is sample[i:j]
		for j < len(sample) && sample[j] >= 0x80 {
			j++
		}
		for k := i; k < j; k++ {
			n++
			touchesASCIILetter := (k > 0 && isASCIILetter(sample[k-1])) || (k+1 < len(sample) && isASCIILetter(sample[k+1]))
			if arabicPlausible(charmap.Windows1256.DecodeByte(sample[k])) && !touchesASCIILetter {
				ar++
			}
			r := charmap.Windows1252.DecodeByte(sample[k])
			if latinPunct(r) || (unicode.Is(unicode.Latin, r) && unicode.IsLetter(r) && (touchesASCIILetter || j-i <= 2)) {
				la++
			}
		}
		i = j
	}
	if n == 0 {
		return UTF8 // unreachable: ASCII is valid UTF-8
	}
	// A text in one of them has nearly all its bytes plausible; the other
	// reading, or noise, scores far lower. Ties go to Windows-1256, the
	// encoding of the Persian Excel this import was first written for.
	const plausible = 0.8
	arScore, laScore := float64(ar)/float64(n), float64(la)/float64(n)
	switch {
	case arScore >= plausible && arScore >= laScore:
		return Windows1256
	case laScore >= plausible:
		return Windows1252
	}
	return ""
}

func isASCIILetter(b byte) bool { return b|0x20 >= 'a' && b|0x20 <= 'z' }

// arabicPlausible: a letter of Persian or Arabic words (no diacritics, no
// tatweel), ZWNJ, or punctuation of Persian text.
func arabicPlausible(r rune) bool {
	switch r {
	case '\u200c', '،', '؛', '؟', '«', '»':
		return true
	case 'ـ':
		return false
	}
	return unicode.Is(unicode.Arabic, r) && unicode.IsLetter(r)
}

// latinPunct: punctuation and signs common in western text.
func latinPunct(r rune) bool {
	return strings.ContainsRune("€‚„…‘’“”•–—™\u00a0¡¢£¥§©«»®°±²³´µ·¹º¼½¾¿×", r)
}
