package httpapi

import (
	"net/http"
	"slices"
)

// cors lets the SPA's origin call the API with cookies. On AWS the HTTP
// API answers preflights itself; locally this does.
func (s *Server) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		// Credentials (cookies) go only to the origins listed by name: "*"
		// opens the API to any page for bearer-token calls, and a browser
		// must never send an arbitrary site's visitor's cookies along.
		named := origin != "" && origin != "*" && slices.Contains(s.cfg.CORSOrigins, origin)
		if origin == "" || !(named || slices.Contains(s.cfg.CORSOrigins, "*")) {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		if named {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Add("Vary", "Origin")
		} else {
			h.Set("Access-Control-Allow-Origin", "*")
		}
		h.Set("Access-Control-Expose-Headers", "X-Request-ID, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept, Accept-Language, X-Timezone, X-Request-ID, X-Tenant-Key")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
