// Package imports reads customer and contact files (CSV in UTF-8 with or
// without BOM, Windows-1256 CSV from Persian Excel, XLSX), maps English or
// Persian headers to fields, validates every row like API input, and
// upserts by normalized email or phone. Large files run as jobs.
package imports

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/search"
)

// MaxRows bounds one file.
const MaxRows = 50000

// Table is a parsed file: a header and rows of cells.
type Table struct {
	Header []string
	Rows   [][]string
}

func invalidFile(msg string) error {
	return &crm.Error{Code: crm.EVALIDATION, Message: "the file cannot be imported: " + msg, Fields: map[string][]string{"file": {msg}}}
}

// Parse reads CSV or XLSX bytes (by content, not by name).
func Parse(data []byte) (*Table, error) {
	var rows [][]string
	var err error
	if IsXLSX(data) {
		if xlsxReader == nil {
			return nil, ErrNeedsWorker
		}
		rows, err = xlsxReader(data)
	} else {
		rows, err = parseCSV(data)
	}
	if err != nil {
		return nil, err
	}
	// Drop empty rows anywhere (spreadsheets keep them).
	var kept [][]string
	for _, r := range rows {
		if strings.TrimSpace(strings.Join(r, "")) != "" {
			kept = append(kept, r)
		}
	}
	if len(kept) < 2 {
		return nil, invalidFile("it needs a header row and at least one data row")
	}
	if len(kept)-1 > MaxRows {
		return nil, invalidFile(fmt.Sprintf("at most %d rows per file", MaxRows))
	}
	return &Table{Header: kept[0], Rows: kept[1:]}, nil
}

func parseCSV(data []byte) ([][]string, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		// Persian Excel saves "CSV" in Windows-1256.
		dec, err := charmap.Windows1256.NewDecoder().Bytes(data)
		if err != nil {
			return nil, invalidFile("the text is neither UTF-8 nor Windows-1256")
		}
		// Windows-1256 has only the Arabic yeh and kaf; Persian text
		// written in it means the Persian letters.
		data = []byte(strings.NewReplacer("ي", "ی", "ك", "ک").Replace(string(dec)))
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = sniffDelimiter(data)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	rows, err := r.ReadAll()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, invalidFile(fmt.Sprintf("line %d: %v", pe.Line, pe.Err))
		}
		return nil, invalidFile(err.Error())
	}
	return rows, nil
}

// sniffDelimiter picks the most frequent of , ; tab and the Persian comma
// on the first line.
func sniffDelimiter(data []byte) rune {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	best, n := ',', 0
	for _, d := range []rune{',', ';', '\t', '،'} {
		if c := strings.Count(string(line), string(d)); c > n {
			best, n = d, c
		}
	}
	return best
}

// IsXLSX reports whether data is a zip (XLSX) rather than text.
func IsXLSX(data []byte) bool { return bytes.HasPrefix(data, []byte("PK\x03\x04")) }

// ErrNeedsWorker: this binary reads no XLSX (the spreadsheet library is
// linked only where it runs: the import worker and the local runner); the
// file must go to a job.
var ErrNeedsWorker = errors.New("imports: XLSX is read by the worker")

var xlsxReader func([]byte) ([][]string, error)

// RegisterXLSX installs the XLSX reader (package imports/xlsx does).
func RegisterXLSX(read func([]byte) ([][]string, error)) { xlsxReader = read }

// InvalidFile is the error of an unreadable file.
func InvalidFile(msg string) error { return invalidFile(msg) }

// headerKey is the form headers are compared in.
func headerKey(h string) string {
	h = search.Normalize(h)
	return strings.NewReplacer(" ", "", "_", "", "-", "", ".", "").Replace(h)
}

// aliases name each field in English and Persian.
var aliases = map[string][]string{
	"name":        {"name", "full name", "customer name", "company name", "نام", "نام مشتری", "نام و نام خانوادگی", "نام کامل", "مشتری"},
	"first_name":  {"first name", "firstname", "given name", "نام کوچک"},
	"last_name":   {"last name", "lastname", "surname", "family", "نام خانوادگی", "فامیلی"},
	"email":       {"email", "e-mail", "mail", "ایمیل", "پست الکترونیک", "رایانامه"},
	"phone":       {"phone", "telephone", "tel", "تلفن", "شماره تماس", "تلفن ثابت", "شماره تلفن"},
	"mobile":      {"mobile", "cell", "cellphone", "موبایل", "تلفن همراه", "شماره موبایل", "همراه"},
	"company":     {"company", "organization", "شرکت", "نام شرکت", "سازمان"},
	"city":        {"city", "شهر"},
	"address":     {"address", "آدرس", "نشانی"},
	"type":        {"type", "customer type", "نوع", "نوع مشتری"},
	"status":      {"status", "وضعیت"},
	"tags":        {"tags", "tag", "labels", "برچسب", "برچسب ها", "برچسب‌ها"},
	"industry":    {"industry", "صنعت", "حوزه فعالیت"},
	"website":     {"website", "site", "url", "وب سایت", "وبسایت", "وب‌سایت", "سایت"},
	"source":      {"source", "lead source", "منبع", "منبع آشنایی"},
	"notes":       {"notes", "note", "description", "یادداشت", "توضیحات"},
	"job_title":   {"job title", "title", "position", "سمت", "عنوان شغلی", "شغل"},
	"role":        {"role", "نقش"},
	"department":  {"department", "دپارتمان", "واحد", "بخش"},
	"customer_id": {"customer id", "company id", "شناسه مشتری"},
}

var aliasIndex = func() map[string]string {
	m := map[string]string{}
	for field, names := range aliases {
		m[headerKey(field)] = field
		for _, n := range names {
			m[headerKey(n)] = field
		}
	}
	return m
}()

// Columns maps each header cell to a field ("" when unknown).
func Columns(header []string) []string {
	out := make([]string, len(header))
	for i, h := range header {
		out[i] = aliasIndex[headerKey(h)]
	}
	return out
}

// Record is one row keyed by field.
func Record(cols []string, row []string) map[string]string {
	r := map[string]string{}
	for i, f := range cols {
		if f != "" && i < len(row) {
			if v := strings.TrimSpace(row[i]); v != "" {
				r[f] = v
			}
		}
	}
	return r
}

var valueAliases = map[string]map[string]string{
	"type":   {"حقوقی": "B2B", "شرکتی": "B2B", "b2b": "B2B", "business": "B2B", "حقیقی": "B2C", "شخصی": "B2C", "b2c": "B2C", "person": "B2C", "individual": "B2C"},
	"status": {"فعال": "active", "active": "active", "غیرفعال": "inactive", "غیر فعال": "inactive", "inactive": "inactive", "بالقوه": "prospect", "سرنخ": "prospect", "prospect": "prospect", "lead": "prospect"},
}

// value maps a cell to the field's canonical value where it has one.
func value(field, v string) string {
	if m, ok := valueAliases[field]; ok {
		if c, ok := m[strings.ToLower(search.Normalize(v))]; ok {
			return c
		}
		if c, ok := m[strings.ToLower(v)]; ok {
			return c
		}
	}
	return v
}

// SwapXLSXReader replaces the XLSX reader and returns a function that puts
// the previous one back (tests of binaries without it).
func SwapXLSXReader(read func([]byte) ([][]string, error)) (restore func()) {
	prev := xlsxReader
	xlsxReader = read
	return func() { xlsxReader = prev }
}
