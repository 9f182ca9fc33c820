// Every word the page shows, in English and Spanish.
//
// The form itself comes from the field table in the core (so.fields()):
// names, kinds, required marks, codes, examples. This file adds, for each
// field name, the group it belongs to and a label and plain help in each
// language. It must cover exactly the fields fields() lists: the page
// refuses to start, and the browser test fails, when a field has no words
// here or a word here names no field.

export const LANGUAGES = ['en', 'es'];

// The groups of the form, in the order a person goes through them.
export const GROUPS = ['about', 'doctors', 'diagnosis', 'records', 'insurance', 'questions'];

export const FIELD_WORDS = {
  packet_id: {
    group: 'about',
    en: { label: 'Packet number', help: 'If your clinic gave you a packet or case number, type it here. It becomes the name of the file. You can leave it empty.' },
    es: { label: 'Número de paquete', help: 'Si su clínica le dio un número de paquete o de caso, escríbalo aquí. Será el nombre del archivo. Puede dejarlo vacío.' },
  },
  patient_name: {
    group: 'about',
    en: { label: 'Your full name', help: 'Your name the way it should look on letters.' },
    es: { label: 'Su nombre completo', help: 'Su nombre tal como debe aparecer en las cartas.' },
  },
  date_of_birth: {
    group: 'about',
    en: { label: 'Date of birth', help: 'The day you were born.' },
    es: { label: 'Fecha de nacimiento', help: 'El día en que usted nació.' },
  },
  patient_address: {
    group: 'about',
    en: { label: 'Your mailing address', help: 'Where you get mail. You can use more than one line.' },
    es: { label: 'Su dirección postal', help: 'Donde recibe su correo. Puede usar más de una línea.' },
  },
  patient_phone: {
    group: 'about',
    en: { label: 'Your phone number', help: 'A number where people can reach you.' },
    es: { label: 'Su número de teléfono', help: 'Un número donde lo pueden llamar.' },
  },
  patient_email: {
    group: 'about',
    en: { label: 'Your e-mail address', help: 'You can leave this empty.' },
    es: { label: 'Su correo electrónico', help: 'Puede dejarlo vacío.' },
  },
  medical_record_number: {
    group: 'about',
    en: { label: 'Your medical record number', help: 'The number your current doctor’s office uses for you. Type it just as it is printed, with any zeros at the start.' },
    es: { label: 'Su número de expediente médico', help: 'El número que usa el consultorio de su médico actual para usted. Escríbalo tal como aparece, con los ceros del principio.' },
  },
  language: {
    group: 'about',
    en: { label: 'Language of your papers', help: 'The language your packet is written in. If you do not choose, it uses the language of this page.' },
    es: { label: 'Idioma de sus documentos', help: 'El idioma en que se escribe su paquete. Si no elige, se usa el idioma de esta página.' },
  },
  current_doctor: {
    group: 'doctors',
    en: { label: 'Your current doctor', help: 'The doctor whose diagnosis or treatment plan you want someone else to look at.' },
    es: { label: 'Su médico actual', help: 'El médico cuyo diagnóstico o plan de tratamiento quiere que otra persona revise.' },
  },
  current_practice: {
    group: 'doctors',
    en: { label: 'Current doctor’s office or hospital', help: 'The name of the practice, clinic or hospital.' },
    es: { label: 'Consultorio u hospital de su médico actual', help: 'El nombre del consultorio, la clínica o el hospital.' },
  },
  records_office_address: {
    group: 'records',
    en: { label: 'Address of the records office', help: 'Where the letter asking for your records goes. Ask the front desk if you are not sure. You can use more than one line.' },
    es: { label: 'Dirección de la oficina de expedientes', help: 'A dónde va la carta que pide sus expedientes. Pregunte en la recepción si no está seguro. Puede usar más de una línea.' },
  },
  records_office_phone: {
    group: 'records',
    en: { label: 'Phone of the records office', help: 'The phone number of the office that handles medical records.' },
    es: { label: 'Teléfono de la oficina de expedientes', help: 'El teléfono de la oficina que maneja los expedientes médicos.' },
  },
  records_office_fax: {
    group: 'records',
    en: { label: 'Fax of the records office', help: 'The fax number of that office, if it has one.' },
    es: { label: 'Fax de la oficina de expedientes', help: 'El número de fax de esa oficina, si tiene uno.' },
  },
  diagnosis: {
    group: 'diagnosis',
    en: { label: 'Your diagnosis', help: 'What your doctor said you have. Leave it empty if it is not clear yet.' },
    es: { label: 'Su diagnóstico', help: 'Lo que su médico dijo que usted tiene. Déjelo vacío si todavía no está claro.' },
  },
  recommended_treatment: {
    group: 'diagnosis',
    en: { label: 'Treatment you were offered', help: 'The treatment or surgery your doctor recommended.' },
    es: { label: 'Tratamiento que le ofrecieron', help: 'El tratamiento o la cirugía que su médico le recomendó.' },
  },
  reasons: {
    group: 'diagnosis',
    en: { label: 'Why do you want a second opinion?', help: 'Check all that fit. Your answers choose the questions in your packet.' },
    es: { label: '¿Por qué quiere una segunda opinión?', help: 'Marque todas las que correspondan. Sus respuestas eligen las preguntas de su paquete.' },
  },
  decision_deadline: {
    group: 'diagnosis',
    en: { label: 'Decide by', help: 'The date you need to decide by, if there is one.' },
    es: { label: 'Decidir antes de', help: 'La fecha en que debe decidir, si hay una.' },
  },
  appointment_date: {
    group: 'diagnosis',
    en: { label: 'Second-opinion appointment', help: 'The date of your second-opinion visit, if it is booked.' },
    es: { label: 'Cita de segunda opinión', help: 'La fecha de su visita de segunda opinión, si ya la tiene.' },
  },
  second_opinion_doctor: {
    group: 'doctors',
    en: { label: 'Second-opinion doctor', help: 'The doctor who will give the second opinion, if you know.' },
    es: { label: 'Médico de la segunda opinión', help: 'El médico que dará la segunda opinión, si lo sabe.' },
  },
  second_opinion_practice: {
    group: 'doctors',
    en: { label: 'Second-opinion office or hospital', help: 'Where that doctor works.' },
    es: { label: 'Consultorio u hospital de la segunda opinión', help: 'Donde trabaja ese médico.' },
  },
  second_opinion_address: {
    group: 'doctors',
    en: { label: 'Second-opinion doctor’s address', help: 'Where that doctor gets records by mail. You can use more than one line.' },
    es: { label: 'Dirección del médico de la segunda opinión', help: 'Donde ese médico recibe expedientes por correo. Puede usar más de una línea.' },
  },
  second_opinion_fax: {
    group: 'doctors',
    en: { label: 'Second-opinion doctor’s fax', help: 'The fax number of that doctor’s office, if you know it.' },
    es: { label: 'Fax del médico de la segunda opinión', help: 'El número de fax de ese consultorio, si lo sabe.' },
  },
  insurer: {
    group: 'insurance',
    en: { label: 'Health insurance company', help: 'The name of your health plan.' },
    es: { label: 'Compañía de seguro médico', help: 'El nombre de su plan de salud.' },
  },
  member_id: {
    group: 'insurance',
    en: { label: 'Member ID', help: 'The member or subscriber number on your insurance card.' },
    es: { label: 'Número de miembro', help: 'El número de miembro o de suscriptor de su tarjeta de seguro.' },
  },
  group_number: {
    group: 'insurance',
    en: { label: 'Group number', help: 'The group number on your insurance card.' },
    es: { label: 'Número de grupo', help: 'El número de grupo de su tarjeta de seguro.' },
  },
  insurer_phone: {
    group: 'insurance',
    en: { label: 'Insurance phone number', help: 'The member services number on your insurance card.' },
    es: { label: 'Teléfono del seguro', help: 'El número de servicios para miembros de su tarjeta de seguro.' },
  },
  records_requested: {
    group: 'records',
    en: { label: 'Which records do you want?', help: 'Check the records to ask for. If you check none, the letter asks for the usual set.' },
    es: { label: '¿Qué expedientes quiere?', help: 'Marque los expedientes que quiere pedir. Si no marca ninguno, la carta pide el grupo habitual.' },
  },
  records_since: {
    group: 'records',
    en: { label: 'Records from this date on', help: 'Ask only for records from this date on. Leave it empty to ask for all of them.' },
    es: { label: 'Expedientes desde esta fecha', help: 'Pedir solo los expedientes desde esta fecha. Déjelo vacío para pedirlos todos.' },
  },
  records_delivery: {
    group: 'records',
    en: { label: 'Who gets the records?', help: 'If you named a second-opinion doctor, the records go to that doctor unless you choose yourself.' },
    es: { label: '¿Quién recibe los expedientes?', help: 'Si nombró a un médico de segunda opinión, los expedientes van a ese médico, a menos que se elija a usted.' },
  },
  records_format: {
    group: 'records',
    en: { label: 'Electronic or paper copies?', help: 'Electronic copies are the usual choice.' },
    es: { label: '¿Copias electrónicas o en papel?', help: 'Lo usual son las copias electrónicas.' },
  },
  my_questions: {
    group: 'questions',
    en: { label: 'Your own questions', help: 'Questions you want to ask at the visit. Use one box for each question.' },
    es: { label: 'Sus propias preguntas', help: 'Preguntas que quiere hacer en la visita. Use un cuadro para cada pregunta.' },
  },
};

// Words for the codes of choice fields (the values stay the codes).
export const CHOICE_WORDS = {
  reasons: {
    serious_diagnosis: { en: 'My diagnosis is serious', es: 'Mi diagnóstico es grave' },
    surgery_recommended: { en: 'I was told I need surgery', es: 'Me dijeron que necesito cirugía' },
    unclear_diagnosis: { en: 'My diagnosis is not clear', es: 'Mi diagnóstico no está claro' },
    rare_condition: { en: 'My condition is rare', es: 'Mi enfermedad es poco común' },
    treatment_not_working: { en: 'My treatment is not working', es: 'Mi tratamiento no funciona' },
    conflicts_with_priorities: { en: 'The plan does not fit my life or what matters to me', es: 'El plan no encaja con mi vida o con lo que me importa' },
    feel_unheard: { en: 'I do not feel heard', es: 'Siento que no me escuchan' },
    explore_options: { en: 'I want to know all my options', es: 'Quiero conocer todas mis opciones' },
  },
  records_requested: {
    clinic_notes: { en: 'Notes from visits', es: 'Notas de las consultas' },
    test_results: { en: 'Test results', es: 'Resultados de pruebas' },
    imaging_reports: { en: 'Imaging reports (X-ray, MRI, CT)', es: 'Informes de imágenes (rayos X, resonancia, tomografía)' },
    imaging_files: { en: 'The images themselves', es: 'Las imágenes mismas' },
    pathology_reports: { en: 'Pathology (lab tissue) reports', es: 'Informes de patología (tejidos)' },
    medication_list: { en: 'List of medicines', es: 'Lista de medicamentos' },
    procedure_history: { en: 'Past procedures and surgeries', es: 'Procedimientos y cirugías anteriores' },
    allergies: { en: 'Allergies', es: 'Alergias' },
    hospital_records: { en: 'Hospital records', es: 'Expedientes del hospital' },
    billing_records: { en: 'Billing records', es: 'Registros de facturación' },
  },
  records_delivery: {
    second_opinion_doctor: { en: 'The second-opinion doctor', es: 'El médico de la segunda opinión' },
    patient: { en: 'Me', es: 'Yo' },
  },
  records_format: {
    electronic: { en: 'Electronic', es: 'Electrónicas' },
    paper: { en: 'Paper', es: 'En papel' },
  },
  language: {
    en: { en: 'English', es: 'Inglés' },
    es: { en: 'Spanish', es: 'Español' },
  },
};

// Every other word on the page.
export const UI = {
  en: {
    title: 'Second opinion packet',
    lead: 'Answer the questions below. The page makes a packet of papers to help you get a second medical opinion: a letter asking for your records, a script for calling your insurance, questions for your visit, and more.',
    privacy: 'Your answers stay on this computer. Nothing you type is sent anywhere: this page makes your packet right here.',
    loading: 'Loading…',
    loading_core: 'Loading the packet maker',
    loading_of: (got, total) => `${got} of ${total} MB`,
    loading_got: (got) => `${got} MB`,
    starting: 'Starting…',
    no_server: 'This page needs to be opened from a web address (for example, your clinic’s website), not as a file. If this message does not go away, ask your clinic for the link.',
    load_failed: 'The page could not start. Try reloading it.',
    words_missing: 'The page cannot start: some form fields have no words. Tell the people who set up this page.',
    mode_patient: 'For patients',
    mode_clinic: 'For clinics',
    options: 'Options',
    page_language: 'Language',
    large_print: 'Large print (bigger letters on the papers)',
    paper: 'Paper size',
    paper_letter: 'US Letter',
    paper_a4: 'A4',
    paper_default: 'From the clinic profile, else US Letter',
    group_about: 'About you',
    group_doctors: 'Your doctors',
    group_diagnosis: 'Your diagnosis and why you want a second opinion',
    group_records: 'Your medical records',
    group_insurance: 'Your insurance',
    group_questions: 'Your own questions',
    required: 'required',
    required_note: 'Fields marked “required” must be filled in. Everything else can stay empty.',
    example: 'Example:',
    none_chosen: 'Not chosen',
    same_as_page: 'Same as this page',
    add_row: 'Add a question',
    remove_row: 'Remove',
    row_label: 'Question {n}',
    make_packet: 'Make my packet',
    make_pdf: 'Make packet.pdf only (to print)',
    save: 'Save my answers',
    open: 'Open saved answers',
    working: 'Making your packet…',
    done_zip: 'Your packet is ready: {name}. Look in your downloads.',
    done_pdf: 'Your packet.pdf is ready. Look in your downloads.',
    saved: 'Your answers were saved as intake.json. Look in your downloads.',
    opened: 'Your saved answers are back in the form.',
    open_failed: 'That file could not be opened: {reason}',
    problems_title: 'Please fix these before making your packet:',
    problem_count: '{n} problem(s) to fix.',
    hint: 'How to fix it:',
    warning: 'Note:',
    clinic_lead: 'Make packets for many patients at once from a spreadsheet (xlsx, xls, ods), a CSV file or a JSON file. The files stay on this computer.',
    clinic_input: 'Patient file or files',
    clinic_input_help: 'A spreadsheet, CSV or JSON file with one patient per row.',
    clinic_profile: 'Clinic profile and logo (optional)',
    clinic_profile_help: 'Choose clinic.json, together with the logo file it names.',
    clinic_templates: 'Your own templates (optional)',
    clinic_templates_help: 'Choose a ZIP of templates, or a templates folder below.',
    clinic_templates_folder: 'Templates folder (optional)',
    drop_here: 'You can also drop files on this box.',
    check_files: 'Check files',
    make_packets: 'Make packets',
    cancel: 'Cancel',
    cancelled: 'Stopped. No file was downloaded.',
    checking: 'Checking the files…',
    summary: '{good} of {records} records can be built.',
    no_problems: 'No problems found.',
    problems_found: '{n} problem(s) found:',
    col_file: 'File',
    col_place: 'Where',
    col_field: 'Column or field',
    col_problem: 'Problem',
    col_hint: 'How to fix it',
    progress: 'Packets made',
    progress_text: '{done} of {total} packets made',
    bundle_done: 'Done: all-packets.zip holds {total} packet(s) and report.csv. Look in your downloads.',
    bundle_done_parts: 'Done: {total} packets in {n} files, {first} to {last} (report.csv is in the last). Look in your downloads; if the browser asks, allow this page to download several files.',
    need_input: 'Choose a patient file first.',
    need_logo: 'The clinic profile names a logo file ({name}). Choose it together with clinic.json.',
    clinic_ok: 'Clinic profile read.',
    failed: 'Something went wrong: {reason}',
    date_day: 'Day',
    date_month: 'Month',
    date_year: 'Year',
    date_example: 'For example: 3 14 1961 (month, day, year).',
    date_reads: 'This reads:',
    date_unreadable: 'These dates in the file are not written as year-month-day and were left empty; type them again: {fields}.',
    leave_warning: 'Your answers are not saved yet. Leave the page anyway?',
    bundling: 'Putting the packets into all-packets.zip…',
    building: 'Making the packets…',
    core_wait: 'The packet maker is still loading; this goes on by itself once it is ready.',
    start_title: 'What this page does',
    start_what: 'It makes a packet of papers for getting a second medical opinion: a letter asking for your records, a script for calling your insurance, questions for your visit, and more.',
    start_time: 'It takes about 10 to 15 minutes. You can save your answers and come back later.',
    start_ready: 'Have ready: your insurance card, the name of your doctor and clinic, and your diagnosis as your doctor wrote it.',
    start_private: 'Nothing is uploaded: the packet is made on this computer, and nothing is kept once you close the page.',
    clinic_start_limits: 'Limits: up to 100,000 rows per file and files up to 256 MB. Each packet is about half a megabyte; more than 2,000 packets come in several files of up to 2,000 each (10,000 rows make five files, 4.5 GB in all): make sure your downloads folder has room.',
    clinic_start_private: 'Nothing is uploaded: the files are read and the packets made on this computer.',
    clinic_start_form: 'Start from the blank intake spreadsheet (intake-form.xlsx): one column per question, and a second sheet that explains each column.',
    clinic_start_form_link: 'Download the blank intake spreadsheet',
  },
  es: {
    title: 'Paquete de segunda opinión',
    lead: 'Conteste las preguntas de abajo. La página hace un paquete de documentos para ayudarle a obtener una segunda opinión médica: una carta para pedir sus expedientes, un guion para llamar a su seguro, preguntas para su visita y más.',
    privacy: 'Sus respuestas se quedan en esta computadora. Nada de lo que escribe se envía a ningún lugar: esta página hace su paquete aquí mismo.',
    loading: 'Cargando…',
    loading_core: 'Cargando el programa que hace el paquete',
    loading_of: (got, total) => `${got} de ${total} MB`,
    loading_got: (got) => `${got} MB`,
    starting: 'Iniciando…',
    no_server: 'Esta página se debe abrir desde una dirección web (por ejemplo, el sitio de su clínica), no como archivo. Si este mensaje no desaparece, pida el enlace a su clínica.',
    load_failed: 'La página no pudo iniciar. Intente cargarla de nuevo.',
    words_missing: 'La página no puede iniciar: algunos campos no tienen palabras. Avise a quienes instalaron esta página.',
    mode_patient: 'Para pacientes',
    mode_clinic: 'Para clínicas',
    options: 'Opciones',
    page_language: 'Idioma',
    large_print: 'Letra grande (letras más grandes en los documentos)',
    paper: 'Tamaño del papel',
    paper_letter: 'Carta (EE. UU.)',
    paper_a4: 'A4',
    paper_default: 'El del perfil de la clínica, si no, Carta',
    group_about: 'Sobre usted',
    group_doctors: 'Sus médicos',
    group_diagnosis: 'Su diagnóstico y por qué quiere una segunda opinión',
    group_records: 'Sus expedientes médicos',
    group_insurance: 'Su seguro',
    group_questions: 'Sus propias preguntas',
    required: 'obligatorio',
    required_note: 'Los campos marcados “obligatorio” se deben llenar. Todo lo demás puede quedar vacío.',
    example: 'Ejemplo:',
    none_chosen: 'Sin elegir',
    same_as_page: 'El mismo de esta página',
    add_row: 'Agregar una pregunta',
    remove_row: 'Quitar',
    row_label: 'Pregunta {n}',
    make_packet: 'Hacer mi paquete',
    make_pdf: 'Hacer solo packet.pdf (para imprimir)',
    save: 'Guardar mis respuestas',
    open: 'Abrir respuestas guardadas',
    working: 'Haciendo su paquete…',
    done_zip: 'Su paquete está listo: {name}. Búsquelo en sus descargas.',
    done_pdf: 'Su packet.pdf está listo. Búsquelo en sus descargas.',
    saved: 'Sus respuestas se guardaron como intake.json. Búsquelo en sus descargas.',
    opened: 'Sus respuestas guardadas están otra vez en el formulario.',
    open_failed: 'No se pudo abrir ese archivo: {reason}',
    problems_title: 'Corrija esto antes de hacer su paquete:',
    problem_count: '{n} problema(s) por corregir.',
    hint: 'Cómo corregirlo:',
    warning: 'Nota:',
    clinic_lead: 'Haga paquetes para muchos pacientes a la vez con una hoja de cálculo (xlsx, xls, ods), un archivo CSV o un archivo JSON. Los archivos se quedan en esta computadora.',
    clinic_input: 'Archivo o archivos de pacientes',
    clinic_input_help: 'Una hoja de cálculo, CSV o JSON con un paciente por fila.',
    clinic_profile: 'Perfil y logotipo de la clínica (opcional)',
    clinic_profile_help: 'Elija clinic.json junto con el archivo del logotipo que nombra.',
    clinic_templates: 'Sus propias plantillas (opcional)',
    clinic_templates_help: 'Elija un ZIP de plantillas, o una carpeta de plantillas abajo.',
    clinic_templates_folder: 'Carpeta de plantillas (opcional)',
    drop_here: 'También puede soltar archivos en este cuadro.',
    check_files: 'Revisar archivos',
    make_packets: 'Hacer paquetes',
    cancel: 'Cancelar',
    cancelled: 'Detenido. No se descargó ningún archivo.',
    checking: 'Revisando los archivos…',
    summary: 'Se pueden hacer {good} de {records} registros.',
    no_problems: 'No se encontraron problemas.',
    problems_found: 'Se encontraron {n} problema(s):',
    col_file: 'Archivo',
    col_place: 'Dónde',
    col_field: 'Columna o campo',
    col_problem: 'Problema',
    col_hint: 'Cómo corregirlo',
    progress: 'Paquetes hechos',
    progress_text: '{done} de {total} paquetes hechos',
    bundle_done: 'Listo: all-packets.zip tiene {total} paquete(s) y report.csv. Búsquelo en sus descargas.',
    bundle_done_parts: 'Listo: {total} paquetes en {n} archivos, de {first} a {last} (report.csv está en el último). Búsquelos en sus descargas; si el navegador lo pregunta, permita que esta página descargue varios archivos.',
    need_input: 'Primero elija un archivo de pacientes.',
    need_logo: 'El perfil de la clínica nombra un logotipo ({name}). Elíjalo junto con clinic.json.',
    clinic_ok: 'Perfil de la clínica leído.',
    failed: 'Algo salió mal: {reason}',
    date_day: 'Día',
    date_month: 'Mes',
    date_year: 'Año',
    date_example: 'Por ejemplo: 14 3 1961 (día, mes, año).',
    date_reads: 'Se lee:',
    date_unreadable: 'Estas fechas del archivo no están escritas como año-mes-día y quedaron vacías; escríbalas otra vez: {fields}.',
    leave_warning: 'Sus respuestas todavía no están guardadas. ¿Salir de la página de todos modos?',
    bundling: 'Juntando los paquetes en all-packets.zip…',
    building: 'Haciendo los paquetes…',
    core_wait: 'El programa que hace los paquetes todavía se está cargando; esto seguirá solo cuando esté listo.',
    start_title: 'Qué hace esta página',
    start_what: 'Hace un paquete de documentos para obtener una segunda opinión médica: una carta para pedir sus expedientes, un guion para llamar a su seguro, preguntas para su visita y más.',
    start_time: 'Toma unos 10 a 15 minutos. Puede guardar sus respuestas y seguir más tarde.',
    start_ready: 'Tenga a mano: su tarjeta del seguro, el nombre de su médico y de su clínica, y su diagnóstico tal como lo escribió su médico.',
    start_private: 'No se sube nada: el paquete se hace en esta computadora y nada se guarda cuando cierra la página.',
    clinic_start_limits: 'Límites: hasta 100 000 filas por archivo y archivos de hasta 256 MB. Cada paquete ocupa cerca de medio megabyte; más de 2000 paquetes llegan en varios archivos de hasta 2000 cada uno (10 000 filas dan cinco archivos, 4,5 GB en total): asegúrese de que su carpeta de descargas tenga espacio.',
    clinic_start_private: 'No se sube nada: los archivos se leen y los paquetes se hacen en esta computadora.',
    clinic_start_form: 'Empiece con la hoja de cálculo en blanco (intake-form.xlsx): una columna por pregunta y una segunda hoja que explica cada columna (en inglés, como los nombres de las columnas).',
    clinic_start_form_link: 'Descargar la hoja de cálculo en blanco',
  },
};

// Checks that the words cover exactly the given field names; returns the
// list of mismatches (empty when all is well).
export function wordGaps(fieldNames) {
  const gaps = [];
  for (const name of fieldNames) {
    const w = FIELD_WORDS[name];
    if (!w) { gaps.push(`field ${name} has no words`); continue; }
    if (!GROUPS.includes(w.group)) gaps.push(`field ${name} has an unknown group`);
    for (const lang of LANGUAGES) {
      if (!w[lang] || !w[lang].label || !w[lang].help) gaps.push(`field ${name} has no ${lang} label or help`);
    }
  }
  for (const name of Object.keys(FIELD_WORDS)) {
    if (!fieldNames.includes(name)) gaps.push(`words name ${name}, which is not a field`);
  }
  for (const key of Object.keys(UI.en)) {
    if (!(key in UI.es)) gaps.push(`UI word ${key} has no es text`);
  }
  for (const key of Object.keys(UI.es)) {
    if (!(key in UI.en)) gaps.push(`UI word ${key} has no en text`);
  }
  return gaps;
}

export function choiceGaps(fields) {
  const gaps = [];
  for (const f of fields) {
    if (!f.choices) continue;
    const words = CHOICE_WORDS[f.name] || {};
    for (const code of f.choices) {
      for (const lang of LANGUAGES) {
        if (!words[code] || !words[code][lang]) gaps.push(`choice ${f.name}=${code} has no ${lang} words`);
      }
    }
  }
  return gaps;
}
