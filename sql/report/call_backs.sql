SELECT theme, customers FROM marts.call_backs WHERE week = $week ORDER BY customers DESC, theme
