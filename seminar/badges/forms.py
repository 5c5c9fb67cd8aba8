from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField

from ..templating import ROLE_LABELS

#: The bulk sheets' layouts, by their names in render.LAYOUTS ("single" is the personal badge's page).
LAYOUT_LABELS = {"a6": _l("4 на листе A4 (A6)"), "card": _l("10 на листе A4 (90×55 мм)")}


class BulkBadgesForm(FlaskForm):
    layout = SelectField(_l("Раскладка"), choices=list(LAYOUT_LABELS.items()))
    sort = SelectField(_l("Порядок"), choices=[("name", _l("по фамилии")),
                                               ("municipality", _l("по муниципалитетам"))])
    role = SelectField(_l("Роль"), default="", choices=[("", _l("все"))] + list(ROLE_LABELS.items()))
    municipality = SelectField(_l("Муниципальное образование"), validate_choice=False)
    not_printed = BooleanField(_l("Только ещё не напечатанные"))
    mark_printed = BooleanField(_l("Отметить эти бейджи как напечатанные"))

    def __init__(self, *args, municipalities: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.municipality.choices = [("", _l("все"))] + [(str(i), n) for i, n in municipalities]

    def fill(self, batch) -> None:
        """Show a batch's options (a `BadgeBatch`) in the form."""
        self.process(data={"layout": batch.layout, "sort": batch.sort, "role": batch.role or "",
                           "municipality": str(batch.municipality_id or ""),
                           "not_printed": batch.not_printed, "mark_printed": batch.mark_printed})

    @property
    def municipality_id(self) -> int | None:
        value = self.municipality.data
        return int(value) if value and value.isdigit() else None
