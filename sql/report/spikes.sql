-- The week's theme spikes, the furthest from their usual level first.
SELECT * FROM marts.theme_spikes WHERE week = $week ORDER BY abs(z) DESC, theme, measure
