package imports_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/imports"
)

// The texts of the files in testdata (written by testdata/gen.go).
const (
	windows1252Text = "Name;Email;City\r\n" +
		"Muñoz Straße Ødegård;munoz@example.com;København\r\n" +
		"François Lefèvre;francois@example.fr;Besançon\r\n" +
		"Zoë Ångström;zoe@example.se;Malmö\r\n" +
		"José Núñez – Café «Élite»;jose@example.co;Bogotá\r\n"
	utf16Text = "Name\tEmail\tMobile\tCity\r\n" +
		"سارا احمدی\tsara@example.ir\t09121112233\tتهران\r\n" +
		"Ødegård AS\tpost@odegard.no\t\tKøbenhavn\r\n" +
		"شرکت‌های پارس ☕\tinfo@pars.ir\t09351234567\tشیراز\r\n"
	windows1256Text = "نام,ایمیل,تلفن همراه,شهر\r\n" +
		"پژوهشگران چابک,info@chabok.ir,09121234567,تبریز\r\n" +
		"گلاره کاظمی,golareh@example.ir,09351112233,کرج\r\n" +
		"شرکت‌های ژیان,zhian@example.ir,,اصفهان\r\n"
)

func testdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// table is the text as the import should see it.
func table(text, sep string) string {
	var rows []string
	for _, line := range strings.Split(strings.TrimSuffix(text, "\r\n"), "\r\n") {
		rows = append(rows, fmt.Sprintf("%q", strings.Split(line, sep)))
	}
	return strings.Join(rows, "\n")
}

func got(tbl *imports.Table) string {
	rows := []string{fmt.Sprintf("%q", tbl.Header)}
	for _, r := range tbl.Rows {
		rows = append(rows, fmt.Sprintf("%q", r))
	}
	return strings.Join(rows, "\n")
}

func problem(t *testing.T, err error, field string) string {
	t.Helper()
	var e *crm.Error
	if !errors.As(err, &e) || e.Code != crm.EVALIDATION || len(e.Fields[field]) == 0 {
		t.Fatalf("want a 422 on %s, got %v", field, err)
	}
	return e.Fields[field][0]
}

// TestTestdataIsRealEncodings: the files are the texts as x/text's
// encoders write them (Windows-1256 has no Persian yeh: Excel writes the
// Arabic one).
func TestTestdataIsRealEncodings(t *testing.T) {
	for _, c := range []struct {
		file string
		enc  encoding.Encoding
		text string
	}{
		{"customers_windows1252.csv", charmap.Windows1252, windows1252Text},
		{"customers_utf16le_bom.txt", unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), utf16Text},
		{"customers_windows1256_fa.csv", charmap.Windows1256, strings.ReplaceAll(windows1256Text, "ی", "ي")},
	} {
		want, err := c.enc.NewEncoder().Bytes([]byte(c.text))
		if err != nil || string(want) != string(testdata(t, c.file)) {
			t.Errorf("%s is not the text in its encoding (%v)", c.file, err)
		}
	}
}

// TestEncodingsAreDetected: a Windows-1252 file was read as Windows-1256
// (and stored as garbage), a UTF-16 tab-separated file as one column of
// noise; each is now read as the text it holds, and text in no encoding
// the import knows is refused instead of being stored.
func TestEncodingsAreDetected(t *testing.T) {
	for _, c := range []struct {
		file, text, sep string
	}{
		{"customers_windows1252.csv", windows1252Text, ";"},
		{"customers_utf16le_bom.txt", utf16Text, "\t"},
		{"customers_windows1256_fa.csv", windows1256Text, ","},
	} {
		tbl, err := imports.Parse(testdata(t, c.file))
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if g, w := got(tbl), table(c.text, c.sep); g != w {
			t.Errorf("%s:\n%s\nwant\n%s", c.file, g, w)
		}
	}
	msg := problem(t, func() error { _, err := imports.Parse(testdata(t, "unreadable.csv")); return err }(), "file")
	if !strings.Contains(msg, "text encoding is not recognised") || !strings.Contains(msg, "windows-1252") {
		t.Errorf("unreadable: %q", msg)
	}
	// A legacy Excel workbook is named as such.
	if msg := problem(t, func() error {
		_, err := imports.Parse([]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00\x3e\x00\x03\x00\xfe\xff"))
		return err
	}(), "file"); !strings.Contains(msg, ".xls") {
		t.Errorf("xls: %q", msg)
	}
}

// TestNamedEncoding: the client may name the encoding (a file detection
// would refuse, or read otherwise, is read as named); an unknown name is a
// 422 on encoding.
func TestNamedEncoding(t *testing.T) {
	for name, c := range map[string]struct {
		file, text, sep string
	}{
		"Windows-1252": {"customers_windows1252.csv", windows1252Text, ";"},
		"cp1252":       {"customers_windows1252.csv", windows1252Text, ";"},
		"UTF-16":       {"customers_utf16le_bom.txt", utf16Text, "\t"},
		"utf-16le":     {"customers_utf16le_bom.txt", utf16Text, "\t"},
		"windows-1256": {"customers_windows1256_fa.csv", windows1256Text, ","},
		" auto ":       {"customers_windows1256_fa.csv", windows1256Text, ","},
	} {
		enc, err := imports.CheckEncoding(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		tbl, err := imports.ParseEncoding(testdata(t, c.file), enc)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if g, w := got(tbl), table(c.text, c.sep); g != w {
			t.Errorf("%s:\n%s\nwant\n%s", name, g, w)
		}
	}
	// UTF-16 without a BOM, named or not.
	noBOM, _ := unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewEncoder().Bytes([]byte(utf16Text))
	for _, enc := range []string{"", imports.UTF16} {
		if tbl, err := imports.ParseEncoding(noBOM, enc); err != nil || got(tbl) != table(utf16Text, "\t") {
			t.Errorf("UTF-16 LE without BOM (%q): %v", enc, err)
		}
	}
	// Named UTF-8 that is not: refused, not guessed.
	if msg := problem(t, func() error {
		_, err := imports.ParseEncoding(testdata(t, "customers_windows1252.csv"), imports.UTF8)
		return err
	}(), "file"); msg != "it is not valid UTF-8 text" {
		t.Errorf("named utf-8: %q", msg)
	}
	_, err := imports.CheckEncoding("ebcdic")
	if msg := problem(t, err, "encoding"); !strings.Contains(msg, `"ebcdic"`) || !strings.Contains(msg, "windows-1256") {
		t.Errorf("unknown encoding: %q", msg)
	}
}

// TestDelimiterOutsideQuotes: a quoted header with commas in it does not
// outvote the semicolons.
func TestDelimiterOutsideQuotes(t *testing.T) {
	tbl, err := imports.Parse([]byte("Name;\"Notes, long, longer\";Email\nSara;\"a, b\";s@x.ir\n"))
	if err != nil || got(tbl) != `["Name" "Notes, long, longer" "Email"]`+"\n"+`["Sara" "a, b" "s@x.ir"]` {
		t.Fatalf("%v %v", tbl, err)
	}
}

// TestCSVRowLimits: 50,000 rows of data are read and one more is refused;
// a file of mostly empty records is refused after MaxScannedRows of them
// rather than read to its end.
func TestCSVRowLimits(t *testing.T) {
	var b strings.Builder
	b.WriteString("name,email\n")
	for i := 0; i < imports.MaxRows; i++ {
		fmt.Fprintf(&b, "C%d,c%d@x.ir\n", i, i)
	}
	if tbl, err := imports.Parse([]byte(b.String())); err != nil || len(tbl.Rows) != imports.MaxRows {
		t.Fatalf("50,000 rows: %v", err)
	}
	b.WriteString("one,more@x.ir\n")
	if msg := problem(t, func() error { _, err := imports.Parse([]byte(b.String())); return err }(), "file"); msg != "at most 50000 rows per file" {
		t.Fatalf("50,001 rows: %q", msg)
	}
	empty := "name,email\nSara,s@x.ir\n" + strings.Repeat(",\n", 4_000_000)
	if msg := problem(t, func() error { _, err := imports.Parse([]byte(empty)); return err }(), "file"); !strings.Contains(msg, "more than 100000 rows, counting empty ones") {
		t.Fatalf("4M empty records: %q", msg)
	}
}
