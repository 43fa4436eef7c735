-- A PIC is nine digits. A placeholder a source wrote instead ("N/A", blanks, zeros) merged every
-- organisation that had it: such values are cleared, so that no further organisation is merged on
-- them. Organisations already merged stay one row (which participation was whose is not recorded).
UPDATE organisations SET pic = NULL WHERE pic !~ '^[0-9]{9}$' OR pic = '000000000';
