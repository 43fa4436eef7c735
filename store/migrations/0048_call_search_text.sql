-- A call's title, identifier and text as the calls search reads them, without accents: "Sklodowska" finds the
-- calls that write "Skłodowska", "Osnabruck" finds "Osnabrück", and back. Worked out once, as the call is
-- stored: translating every call's text at each search took half a second over 1,456 calls.
-- plain_letters() is store.text's table of accented letters (ACCENTED_LETTERS -> PLAIN_LETTERS; a test holds
-- them equal), written once here for every search that folds what the team typed.
CREATE FUNCTION plain_letters(words text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN translate(words,
                     'āčēģīķļņšūžąęėįųõäöüåøéèêëàâîïôûùçñáíóúýłńśźżćřťďňěůășşțţőűÿđĀČĒĢĪĶĻŅŠŪŽĄĘĖĮŲÕÄÖÜÅØÉÈÊËÀÂÎÏÔÛÙÇÑÁÍÓÚÝŁŃŚŹŻĆŘŤĎŇĚŮĂȘŞȚŢŐŰŸĐ',
                     'acegiklnsuzaeeiuoaouaoeeeeaaiiouucnaiouylnszzcrtdneuassttouydacegiklnsuzaeeiuoaouaoeeeeaaiiouucnaiouylnszzcrtdneuassttouyd');

ALTER TABLE calls ADD COLUMN search_text text GENERATED ALWAYS AS (
    plain_letters(title || ' ' || identifier || ' ' || description_text)) STORED;
