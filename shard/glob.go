package shard

// GlobMatch reports whether s matches the glob pattern as Redis's
// stringmatchlen does: '*', '?', '[...]' with ranges and '^' negation, and
// '\' escapes. nocase folds ASCII case.
func GlobMatch(pattern, s []byte, nocase bool) bool {
	return globMatch(pattern, s, nocase, 0)
}

func fold(ch byte, nocase bool) byte {
	if nocase && 'A' <= ch && ch <= 'Z' {
		return ch + 'a' - 'A'
	}
	return ch
}

func globMatch(p, s []byte, nocase bool, depth int) bool {
	// Redis caps recursion to stop patterns like "a*a*a*…" from taking
	// exponential time.
	if depth > 1000 {
		return false
	}
	for len(p) > 0 && len(s) > 0 || len(p) > 0 && p[0] == '*' {
		switch p[0] {
		case '*':
			for len(p) > 1 && p[1] == '*' {
				p = p[1:]
			}
			if len(p) == 1 {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if globMatch(p[1:], s[i:], nocase, depth+1) {
					return true
				}
			}
			return false
		case '?':
			s = s[1:]
			p = p[1:]
			continue
		case '[':
			p = p[1:]
			not := len(p) > 0 && p[0] == '^'
			if not {
				p = p[1:]
			}
			match := false
			for {
				if len(p) == 0 {
					break
				}
				if p[0] == '\\' && len(p) >= 2 {
					p = p[1:]
					if p[0] == s[0] {
						match = true
					}
				} else if p[0] == ']' {
					break
				} else if len(p) >= 3 && p[1] == '-' {
					start, end := fold(p[0], nocase), fold(p[2], nocase)
					if start > end {
						start, end = end, start
					}
					c := fold(s[0], nocase)
					p = p[2:]
					if c >= start && c <= end {
						match = true
					}
				} else if fold(p[0], nocase) == fold(s[0], nocase) {
					match = true
				}
				p = p[1:]
			}
			if len(p) == 0 {
				// Unterminated class: Redis treats the end of the pattern as ']'.
				p = p[:0]
			} else {
				p = p[1:]
			}
			if not {
				match = !match
			}
			if !match {
				return false
			}
			s = s[1:]
			continue
		case '\\':
			if len(p) >= 2 {
				p = p[1:]
			}
		}
		if fold(p[0], nocase) != fold(s[0], nocase) {
			return false
		}
		s = s[1:]
		p = p[1:]
	}
	return len(p) == 0 && len(s) == 0
}
