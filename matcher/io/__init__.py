"""CSV/XLSX import and export."""
