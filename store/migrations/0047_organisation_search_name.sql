-- An organisation's name and short name as the name search reads them, without accents: a name typed as it
-- is written ("Rīgas Tehniskā universitāte") finds it as CORDIS writes it ("RIGAS TEHNISKA UNIVERSITATE"),
-- and back. Worked out once, as the name is written: translating every name at each search took a second
-- over 50,000 organisations. The two strings are store.text's ACCENTED_LETTERS and PLAIN_LETTERS (a test
-- holds them equal).
ALTER TABLE organisations ADD COLUMN search_name text GENERATED ALWAYS AS (
    translate(name || ' ' || coalesce(short_name, ''),
              'āčēģīķļņšūžąęėįųõäöüåøéèêëàâîïôûùçñáíóúýłńśźżćřťďňěůășşțţőűÿđĀČĒĢĪĶĻŅŠŪŽĄĘĖĮŲÕÄÖÜÅØÉÈÊËÀÂÎÏÔÛÙÇÑÁÍÓÚÝŁŃŚŹŻĆŘŤĎŇĚŮĂȘŞȚŢŐŰŸĐ',
              'acegiklnsuzaeeiuoaouaoeeeeaaiiouucnaiouylnszzcrtdneuassttouydacegiklnsuzaeeiuoaouaoeeeeaaiiouucnaiouylnszzcrtdneuassttouyd')) STORED;
