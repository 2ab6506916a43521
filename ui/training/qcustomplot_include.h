// The one way ui/training includes QCustomPlot. Its header is written with Qt's keywords
// (`signals:`, `foreach`), which this project turns off (QT_NO_KEYWORDS); they are mapped to the
// Q_ macros for that header alone and unmapped after, so our own code still cannot use them.
#pragma once

#define signals Q_SIGNALS
#define slots Q_SLOTS
#define emit Q_EMIT
#define foreach Q_FOREACH
#include <qcustomplot.h>
#undef signals
#undef slots
#undef emit
#undef foreach
