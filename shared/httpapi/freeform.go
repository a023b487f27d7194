package httpapi

import (
	"reflect"
	"strings"

	"payvand.dev/shared/crm"
)

// FreeForm is a client-defined JSON object (custom_fields, settings,
// preferences, filters). Every input field of this type is bounded by the
// kernel after parsing and before the handler (crm.CheckFreeForm: depth,
// members per level, encoded size), with a 422 naming the field.
type FreeForm map[string]any

// freeFormField is where a FreeForm sits in an operation's input.
type freeFormField struct {
	index []int
	name  string // as the client wrote it: custom_fields, settings.x …
}

var freeFormType = reflect.TypeFor[FreeForm]()

// freeFormFields finds the FreeForm fields of an input type (through its
// Body and nested or embedded structs). huma's resolvers cannot carry
// this: it walks into a map-typed resolver's values.
func freeFormFields(t reflect.Type, index []int, prefix string) []freeFormField {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var out []freeFormField
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" && !f.Anonymous && f.Name != "Body" {
			name = f.Name
		}
		full := prefix
		if name != "" {
			full = strings.TrimPrefix(prefix+"."+name, ".")
		}
		idx := append(append([]int{}, index...), i)
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft == freeFormType {
			out = append(out, freeFormField{index: idx, name: full})
			continue
		}
		out = append(out, freeFormFields(ft, idx, full)...)
	}
	return out
}

// checkFreeForms bounds every FreeForm of a parsed input.
func checkFreeForms(in any, fields []freeFormField) error {
	v := reflect.ValueOf(in).Elem()
	errs := crm.FieldErrors{}
	for _, f := range fields {
		fv, ok := fieldByIndex(v, f.index)
		if !ok {
			continue
		}
		if fv.Kind() == reflect.Pointer {
			if fv.IsNil() {
				continue
			}
			fv = fv.Elem()
		}
		if msg := crm.FreeFormProblem(fv.Interface().(FreeForm)); msg != "" {
			errs.Add(f.name, msg)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: errs}
}

// fieldByIndex follows index through structs, stopping at a nil pointer.
func fieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}
