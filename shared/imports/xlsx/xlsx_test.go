package xlsx_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/imports"
	_ "payvand.dev/shared/imports/xlsx"
	"payvand.dev/shared/testkit"
)

// workbook writes a sheet with excelize's StreamWriter: the header, then
// rows of data, then empty-ish rows (one cell of a space, as a sheet
// formatted far below its data has).
func workbook(t testing.TB, data, empty int) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	sw.SetRow("A1", []any{"name", "email"})
	for r := 2; r < 2+data+empty; r++ {
		row := []any{" "}
		if r < 2+data {
			row = []any{fmt.Sprintf("Customer %d", r), fmt.Sprintf("c%d@example.com", r)}
		}
		if err := sw.SetRow("A"+strconv.Itoa(r), row); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withRows is a workbook of StreamWriter's making whose sheet gets n more
// empty-ish rows without row numbers before </sheetData>: as many as a
// crafted file likes (Excel stops at 1,048,576), in a few hundred KB.
func withRows(t testing.TB, book []byte, n int) []byte {
	return withRowsOf(t, book, n, `<row><c t="inlineStr"><is><t> </t></is></c></row>`)
}

func withRowsOf(t testing.TB, book []byte, n int, rowXML string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(book), int64(len(book)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		w, _ := zw.Create(f.Name)
		rc, _ := f.Open()
		part, _ := io.ReadAll(rc)
		rc.Close()
		if f.Name != "xl/worksheets/sheet1.xml" {
			w.Write(part)
			continue
		}
		head, tail, ok := bytes.Cut(part, []byte("</sheetData>"))
		if !ok {
			t.Fatalf("no </sheetData> in %s", part)
		}
		w.Write(head)
		row := []byte(rowXML)
		block := bytes.Repeat(row, 1000)
		for i := 0; i < n/1000; i++ {
			w.Write(block)
		}
		w.Write(bytes.Repeat(row, n%1000))
		w.Write([]byte("</sheetData>"))
		w.Write(tail)
	}
	zw.Close()
	return out.Bytes()
}

func fileProblem(t *testing.T, err error) string {
	t.Helper()
	var e *crm.Error
	if !errors.As(err, &e) || e.Code != crm.EVALIDATION || len(e.Fields["file"]) == 0 {
		t.Fatalf("want a 422 on file, got %v", err)
	}
	return e.Fields["file"][0]
}

// TestWorkbookOfMillionsOfEmptyRowsIsRefusedQuickly: a workbook of 4
// million empty-ish rows (a few hundred KB) was read whole, 34 s and
// +460 MB, before its 422; it is refused after reading at most
// imports.MaxScannedRows of them. So is the largest sheet Excel makes.
func TestWorkbookOfMillionsOfEmptyRowsIsRefusedQuickly(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 1,048,576-row workbook")
	}
	for _, c := range []struct {
		name string
		book []byte
	}{
		{"4M rows", withRows(t, workbook(t, 3, 0), 4_000_000)},
		{"Excel's most rows", workbook(t, 3, 1<<20-4)},
	} {
		start := time.Now()
		_, err := imports.Parse(c.book)
		took := time.Since(start)
		msg := fileProblem(t, err)
		if !strings.Contains(msg, "more than 100000 rows, counting empty ones") {
			t.Errorf("%s: %q", c.name, msg)
		}
		t.Logf("%s (%d KB): refused in %v", c.name, len(c.book)>>10, took)
		// A generous bound (it takes a few ms) that the old reading, which
		// took seconds, could not meet on any machine.
		if took > 2*time.Second {
			t.Errorf("%s: refused after %v", c.name, took)
		}
	}
	// Rows that unzip to more than excelize may unzip are refused from the
	// zip directory, before any row is read.
	bomb := withRowsOf(t, workbook(t, 3, 0), 4_000_000, `<row><c t="inlineStr"><is><t xml:space="preserve"> </t></is></c></row>`)
	if msg := fileProblem(t, func() error { _, err := imports.Parse(bomb); return err }()); msg != "the workbook unzips to more than 256 MB" {
		t.Errorf("284 MB of rows: %q", msg)
	}
}

// TestRowLimitCountsDataRows: the 50,000 rows of data are taken, empty
// rows between and below them are skipped; one row more is refused.
func TestRowLimitCountsDataRows(t *testing.T) {
	if testing.Short() {
		t.Skip("50,001 rows")
	}
	tbl, err := imports.Parse(workbook(t, imports.MaxRows, 20_000))
	if err != nil || len(tbl.Rows) != imports.MaxRows || tbl.Rows[imports.MaxRows-1][1] != fmt.Sprintf("c%d@example.com", imports.MaxRows+1) {
		t.Fatalf("50,000 rows: %v", err)
	}
	if msg := fileProblem(t, func() error { _, err := imports.Parse(workbook(t, imports.MaxRows+1, 0)); return err }()); msg != "at most 50000 rows per file" {
		t.Fatalf("50,001 rows: %q", msg)
	}
}

// TestWorkbookWithGapsAndOtherSheets: rows far apart (a gap of empty rows
// the reader walks) and a second sheet are read as before.
func TestWorkbookWithGapsAndOtherSheets(t *testing.T) {
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"نام", "ایمیل"})
	f.SetSheetRow("Sheet1", "A2", &[]any{"سارا احمدی", "sara@example.ir"})
	f.SetSheetRow("Sheet1", "A5000", &[]any{"Kaveh", "kaveh@example.com"})
	f.NewSheet("Other")
	f.SetSheetRow("Other", "A1", &[]any{"not", "this"})
	var b bytes.Buffer
	f.WriteTo(&b)
	tbl, err := imports.Parse(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(tbl.Header, tbl.Rows); got != "[نام ایمیل] [[سارا احمدی sara@example.ir] [Kaveh kaveh@example.com]]" {
		t.Fatalf("table = %s", got)
	}
	// Not a zip after all.
	if _, err := imports.Parse([]byte("PK\x03\x04 not a zip")); err == nil {
		t.Fatal("a broken zip was read")
	}
}

// BenchmarkRejectHugeXLSX: refusing the workbook of 4 million empty-ish
// rows. Besides the time it reports the bytes allocated per refusal and
// how far the refusals raised the process's peak resident memory.
func BenchmarkRejectHugeXLSX(b *testing.B) {
	book := withRows(b, workbook(b, 3, 0), 4_000_000)
	b.ReportMetric(float64(len(book)), "file-bytes")
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	hwm := testkit.PeakRSS()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := imports.Parse(book); err == nil {
			b.Fatal("accepted")
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N), "alloc-bytes/op")
	b.ReportMetric(float64(testkit.PeakRSS()-hwm), "peak-rss-growth-bytes")
}
