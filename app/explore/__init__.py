"""The claim explorer: server-rendered HTML pages with inline SVG pictures, read through the
same query and service functions as the JSON API and under the same read rules."""
