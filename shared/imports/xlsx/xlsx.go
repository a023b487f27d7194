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

// maxUnzipped bounds the uncompressed size of a workbook's parts, which
// excelize unzips when it opens the file (the sizes are read from the zip
// directory, and archive/zip holds each part to its size). Spreadsheet XML
// compresses about tenfold, so this is generous for the 20 MB an upload
// may have; excelize's default is 16 GB.
const maxUnzipped = 256 << 20

// read hands the rows of the first sheet to each, one at a time.
//
// excelize unzips every part of a workbook when it opens it (sheets over
// 16 MB into temporary files), so a few hundred KB of zip holding
// millions of empty rows would cost seconds and hundreds of MB before the
// first row is read. scanRows first counts the <row> elements of the
// sheets straight from the zip, decompressing only up to the bound.
func read(data []byte, each func([]string) error) error {
	if err := scanRows(data); err != nil {
		return err
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: maxUnzipped})
	if err != nil {
		return imports.InvalidFile("not a readable XLSX workbook")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return imports.InvalidFile("the workbook has no sheet")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return imports.InvalidFile("the first sheet cannot be read")
	}
	defer rows.Close()
	for rows.Next() {
		cells, err := rows.Columns()
		if err != nil {
			return imports.InvalidFile("the first sheet cannot be read")
		}
		if err := each(cells); err != nil {
			return err
		}
	}
	if rows.Error() != nil {
		return imports.InvalidFile("the first sheet cannot be read")
	}
	return nil
}
