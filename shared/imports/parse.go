// Package imports reads customer and contact files (CSV or tab-separated
// text in UTF-8, UTF-16, Windows-1256 from Persian Excel or Windows-1252
// from western Excel, and XLSX), maps English or Persian headers to
// fields, validates every row like API input, and upserts by normalized
// email or phone. Large files run as jobs.
package imports

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/search"
)

// MaxRows bounds the rows of data in one file.
const MaxRows = 50000

// MaxScannedRows bounds the rows read from one file, empty ones included.
// Spreadsheets keep empty rows (formatted ones, or the gap above a stray
// cell far down, which the reader walks row by row), but a few hundred KB
// of XLSX can hold millions of them, each costing a parse: reading stops
// at this bound, which leaves room for as many empty rows as MaxRows of
// data, instead of after them all. The bound is on all rows rather than on
// a run of empty ones so that no file is read at length only to be
// refused; and a file beyond it is refused, saying to delete the empty
// rows, rather than cut there, which could silently drop data below a gap.
const MaxScannedRows = MaxRows + 50000

// Table is a parsed file: a header and rows of cells.
type Table struct {
	Header []string
	Rows   [][]string
}

func invalidFile(msg string) error {
	return &crm.Error{Code: crm.EVALIDATION, Message: "the file cannot be imported: " + msg, Fields: map[string][]string{"file": {msg}}}
}

func tooManyRows() error { return invalidFile(fmt.Sprintf("at most %d rows per file", MaxRows)) }

// TooManyScannedRows is the refusal of a file with more than
// MaxScannedRows rows, empty ones included.
func TooManyScannedRows() error {
	return invalidFile(fmt.Sprintf("it has more than %d rows, counting empty ones; at most %d rows of data are imported (delete the empty rows below the data)", MaxScannedRows, MaxRows))
}

// Parse reads CSV or XLSX bytes (by content, not by name), detecting the
// text encoding of a CSV file.
func Parse(data []byte) (*Table, error) { return ParseEncoding(data, "") }

// ParseEncoding reads CSV or XLSX bytes; a CSV file's text is in enc (a
// canonical name, see CheckEncoding), or detected when enc is "". Rows are
// read one at a time and reading stops as soon as the file has too many.
func ParseEncoding(data []byte, enc string) (*Table, error) {
	var c collector
	var err error
	if IsXLSX(data) {
		if xlsxReader == nil {
			return nil, ErrNeedsWorker
		}
		err = xlsxReader(data, c.add)
	} else {
		err = readCSV(data, enc, c.add)
	}
	if err != nil {
		return nil, err
	}
	if len(c.rows) < 2 {
		return nil, invalidFile("it needs a header row and at least one data row")
	}
	return &Table{Header: c.rows[0], Rows: c.rows[1:]}, nil
}

// collector keeps the non-empty rows (spreadsheets keep empty ones
// anywhere) and stops the reader at the limits.
type collector struct {
	rows    [][]string
	scanned int
}

func (c *collector) add(row []string) error {
	c.scanned++
	if c.scanned > MaxScannedRows {
		return TooManyScannedRows()
	}
	for _, cell := range row {
		if strings.TrimSpace(cell) != "" {
			if len(c.rows) > MaxRows { // the header and MaxRows rows are kept
				return tooManyRows()
			}
			c.rows = append(c.rows, row)
			return nil
		}
	}
	return nil
}

// readCSV hands each record of a CSV file to each.
func readCSV(data []byte, enc string, each func([]string) error) error {
	data, err := toUTF8(data, enc)
	if err != nil {
		return err
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = sniffDelimiter(data)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return invalidFile(fmt.Sprintf("line %d: %v", pe.Line, pe.Err))
			}
			return invalidFile(err.Error())
		}
		if err := each(rec); err != nil {
			return err
		}
	}
}

// sniffDelimiter picks the most frequent of , ; tab and the Persian comma
// outside quotes on the header line (comma when none).
func sniffDelimiter(data []byte) rune {
	counts := map[rune]int{}
	quoted := false
	for _, r := range string(data[:min(len(data), 64<<10)]) {
		if r == '"' {
			quoted = !quoted
		} else if r == '\n' && !quoted {
			break
		} else if !quoted {
			counts[r]++
		}
	}
	best, n := ',', 0
	for _, d := range []rune{',', ';', '\t', '،'} {
		if counts[d] > n {
			best, n = d, counts[d]
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

// XLSXReader hands each row of the first sheet of a workbook to each, in
// order (empty rows too), and stops with each's error.
type XLSXReader func(data []byte, each func(row []string) error) error

var xlsxReader XLSXReader

// RegisterXLSX installs the XLSX reader (package imports/xlsx does).
func RegisterXLSX(read XLSXReader) { xlsxReader = read }

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
func SwapXLSXReader(read XLSXReader) (restore func()) {
	prev := xlsxReader
	xlsxReader = read
	return func() { xlsxReader = prev }
}
