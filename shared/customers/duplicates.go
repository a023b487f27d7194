package customers

import (
	"context"
	"slices"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/search"
)

// DuplicateGroup is records sharing a normalized email or phone, merged
// into the oldest.
type DuplicateGroup struct {
	Kind   string   `json:"kind"`
	Kept   string   `json:"kept"`
	Merged []string `json:"merged"`
}

// CleanupReport is the outcome of a cleanup (or, dry, its plan).
type CleanupReport struct {
	DryRun       bool             `json:"dry_run"`
	RemovedCount int              `json:"removed_count"`
	Groups       []DuplicateGroup `json:"groups"`
}

// CleanupDuplicates finds customers and contacts that share a normalized
// email or phone (Persian/Arabic digits and +98/0098/0 prefixes unified)
// and merges each group into its oldest record: the duplicates' contacts
// move to it, their tags join its tags, its empty fields take their
// values, and the duplicates are deleted.
func (s *Service) CleanupDuplicates(ctx context.Context, dryRun bool) (*CleanupReport, error) {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return nil, err
	}
	r := &CleanupReport{DryRun: dryRun, Groups: []DuplicateGroup{}}
	for _, k := range []string{kind, contactKind} {
		groups, err := search.DuplicateGroups(ctx, t, k)
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			r.Groups = append(r.Groups, DuplicateGroup{Kind: k, Kept: g[0], Merged: g[1:]})
			r.RemovedCount += len(g) - 1
			if dryRun {
				continue
			}
			if k == kind {
				err = s.mergeCustomers(ctx, g[0], g[1:])
			} else {
				err = s.mergeContacts(ctx, g[0], g[1:])
			}
			if err != nil {
				return nil, err
			}
		}
	}
	return r, nil
}

func fill(dst *string, src string) {
	if *dst == "" {
		*dst = src
	}
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, v := range b {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func (s *Service) mergeCustomers(ctx context.Context, keep string, dups []string) error {
	k, err := s.Get(ctx, keep)
	if err != nil {
		return err
	}
	tags := k.Tags
	fields := map[*string]string{}
	for _, id := range dups {
		d, err := s.Get(ctx, id)
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		tags = union(tags, d.Tags)
		for dst, src := range map[*string]string{&k.Email: d.Email, &k.Phone: d.Phone, &k.Mobile: d.Mobile, &k.Company: d.Company,
			&k.City: d.City, &k.Industry: d.Industry, &k.Website: d.Website, &k.Domain: d.Domain} {
			if _, seen := fields[dst]; !seen && *dst == "" && src != "" {
				fields[dst] = src
			}
		}
		contacts, _, _, err := s.Contacts(ctx, crm.ContactFilter{CustomerID: id, Limit: 1000})
		if err != nil {
			return err
		}
		for _, c := range contacts {
			if _, err := s.UpdateContact(ctx, c.ID, &crm.ContactPatch{CustomerID: &keep}); err != nil {
				return err
			}
		}
		if err := s.Delete(ctx, id); err != nil && crm.ErrorCode(err) != crm.ENOTFOUND {
			return err
		}
	}
	for dst, v := range fields {
		fill(dst, v)
	}
	_, err = s.Update(ctx, keep, &crm.CustomerPatch{Tags: &tags, Email: &k.Email, Phone: &k.Phone, Mobile: &k.Mobile, Company: &k.Company,
		City: &k.City, Industry: &k.Industry, Website: &k.Website, Domain: &k.Domain})
	return err
}

func (s *Service) mergeContacts(ctx context.Context, keep string, dups []string) error {
	k, err := s.Contact(ctx, keep)
	if err != nil {
		return err
	}
	tags := k.Tags
	for _, id := range dups {
		d, err := s.Contact(ctx, id)
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		tags = union(tags, d.Tags)
		fill(&k.Email, d.Email)
		fill(&k.Phone, d.Phone)
		fill(&k.Mobile, d.Mobile)
		fill(&k.JobTitle, d.JobTitle)
		fill(&k.CustomerID, d.CustomerID)
		if err := s.DeleteContact(ctx, id); err != nil && crm.ErrorCode(err) != crm.ENOTFOUND {
			return err
		}
	}
	_, err = s.UpdateContact(ctx, keep, &crm.ContactPatch{Tags: &tags, Email: &k.Email, Phone: &k.Phone, Mobile: &k.Mobile,
		JobTitle: &k.JobTitle, CustomerID: &k.CustomerID})
	return err
}
