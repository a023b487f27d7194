// Package xlsx teaches package imports to read XLSX workbooks. Only the
// binaries that parse spreadsheets import it (for its init), so the
// library stays out of the others.
package xlsx

import (
	"bytes"

	"github.com/xuri/excelize/v2"

	"payvand.dev/shared/imports"
)

func init() { imports.RegisterXLSX(read) }

// read returns the cells of the first sheet.
func read(data []byte) ([][]string, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, imports.InvalidFile("not a readable XLSX workbook")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, imports.InvalidFile("the workbook has no sheet")
	}
	rows, err := f.GetRows(sheets[0])
	if err != nil {
		return nil, imports.InvalidFile("the first sheet cannot be read")
	}
	return rows, nil
}
