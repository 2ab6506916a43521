// ConfigForm: a trainer's config as a form, built from the defaults `prefstudio-cli config
// defaults KIND` prints, so every key the trainer reads appears with its default and the GUI holds
// no copy of the trainers' rules. Booleans are check boxes, keys with a closed set of values
// (the CLI's "choices") combo boxes, nested objects (optimizer, GaLore, reward) group boxes, lists
// comma-separated text, everything else a text field; path keys get a browse button. toJson()
// gives back the very object `train KIND` reads: empty text and unset optional keys are left out.
// A field named by `config check` (e.g. "dpo.optimizer.lr") is marked and scrolled to.
#pragma once

#include <QHash>
#include <QJsonObject>
#include <QScrollArea>
#include <QString>

class QFormLayout;
class QLabel;

namespace prefstudio::ui {

class ConfigForm : public QScrollArea {
  Q_OBJECT

 public:
  explicit ConfigForm(QWidget* parent = nullptr);

  // Rebuilds the form: `defaults` is the trainer's config object, `choices` maps a dotted key
  // ("optimizer.name") to its allowed values.
  void build(const QJsonObject& defaults, const QJsonObject& choices);
  // Fills the fields present in `values` (a config as saved or stored by a run); keys the form
  // does not have are returned, by dotted name.
  QStringList setValues(const QJsonObject& values);
  void setValue(const QString& dottedKey, const QJsonValue& value);
  QJsonValue value(const QString& dottedKey) const;
  QJsonObject toJson() const;
  bool hasField(const QString& dottedKey) const { return fields_.contains(dottedKey); }
  QWidget* field(const QString& dottedKey) const { return fields_.value(dottedKey); }

  // Marks the field of `section`.`key...` (the CLI's field name) with `message`; clears any
  // earlier mark. Returns false when no field has that name (the message is shown at the top).
  bool showError(const QString& cliField, const QString& message);
  void clearError();
  QString errorText() const;

 Q_SIGNALS:
  void edited();

 private:
  void addFields(QFormLayout* layout, const QJsonObject& object, const QString& prefix,
                 const QJsonObject& choices);
  QWidget* makeField(const QString& key, const QJsonValue& value, const QJsonObject& choices);
  QJsonValue readField(const QString& key) const;

  QWidget* body_ = nullptr;
  QLabel* error_ = nullptr;
  QHash<QString, QWidget*> fields_;       // dotted key -> its editor
  QHash<QString, QJsonValue> defaults_;   // dotted key -> default (its type decides the output)
  QStringList order_;
  QString markedKey_;
};

}  // namespace prefstudio::ui
