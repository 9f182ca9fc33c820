// Every word the page shows, in English and Spanish.
//
// The form itself comes from the field table in the core (so.fields()):
// names, kinds, required marks, codes, examples. This file adds, for each
// field name, the group it belongs to and a label and plain help in each
// language. It must cover exactly the fields fields() lists: the page
// refuses to start, and the browser test fails, when a field has no words
// here or a word here names no field. The same holds for problems: the
// core reports each as a code with parameters (fields().problem_codes
// lists them all), and PROBLEM_WORDS below words every code.

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
    browser_too_old: 'This browser is too old to make the packet. Update it (Chrome or Edge 91, Firefox 89, Safari 16.4 or later) or open this page in another browser. You can still fill in the form and save your answers.',
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
    browser_too_old: 'Este navegador es demasiado antiguo para hacer el paquete. Actualícelo (Chrome o Edge 91, Firefox 89, Safari 16.4 o posterior) o abra esta página en otro navegador. Puede seguir llenando el formulario y guardar sus respuestas.',
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

// ---------------------------------------------------------------- problems

// How each language quotes a name the person wrote (a column header, a key).
const QUOTE = { en: (t) => `“${t}”`, es: (t) => `«${t}»` };

function orList(items, lang) {
  const or = lang === 'es' ? ' o ' : ' or ';
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')}${or}${items[items.length - 1]}`;
}

/** A field's label in a language, quoted; the name itself only if it has no words. */
function fieldLabel(name, lang) {
  return QUOTE[lang](FIELD_WORDS[name] ? FIELD_WORDS[name][lang].label : name);
}

/** The allowed codes of a choice: their words on the patient page, the codes themselves (what a sheet's cell must hold) in clinic mode. */
function choiceList(field, codes, lang, ctx) {
  const words = (codes || []).map((c) => (!ctx.clinic && CHOICE_WORDS[field] && CHOICE_WORDS[field][c] ? QUOTE[lang](CHOICE_WORDS[field][c][lang]) : QUOTE[lang](c)));
  return orList(words, lang);
}

/** How to write a date: the boxes on the patient page, the accepted ways in a file otherwise. */
function dateHow(p, lang, ctx) {
  if (ctx.boxes) {
    return lang === 'es'
      ? 'Revise el día, el mes y el año en los cuadros: los tres deben estar llenos, el año con sus cuatro cifras, y el día debe existir en ese mes.'
      : 'Check the day, month and year in the boxes: all three must be filled in, the year with all four digits, and the day must exist in that month.';
  }
  const other = {
    month_first: { en: ' or month/day/year (3/14/1961)', es: ' o mes/día/año (3/14/1961)' },
    day_first: { en: ' or day/month/year (14/3/1961)', es: ' o día/mes/año (14/3/1961)' },
  }[p.order];
  return lang === 'es'
    ? `Escriba la fecha como año-mes-día (1961-03-14)${other ? other.es : ''}.`
    : `Write the date as year-month-day (1961-03-14)${other ? other.en : ''}.`;
}

/** "neither A nor B is filled in", for the fields a record warning names. */
function missingFields(fields, lang) {
  const names = (fields || []).map((n) => fieldLabel(n, lang));
  if (lang === 'es') {
    if (names.length === 1) return `${names[0]} está vacío`;
    return `no están llenos ni ${names.join(' ni ')}`;
  }
  if (names.length === 1) return `${names[0]} is empty`;
  return `neither ${names.join(' nor ')} is filled in`;
}

const EXPECTED = {
  text: { en: 'text', es: 'texto' },
  date: { en: 'a date', es: 'una fecha' },
  choice: { en: 'one of the choices', es: 'una de las opciones' },
  choices: { en: 'a list of the choices', es: 'una lista de las opciones' },
  texts: { en: 'a list of texts', es: 'una lista de textos' },
};

const FOUND = {
  true_false: { en: 'true/false', es: 'verdadero/falso' },
  number: { en: 'a number', es: 'un número' },
  date: { en: 'a date', es: 'una fecha' },
  list: { en: 'a list', es: 'una lista' },
  other: { en: 'something that cannot be read', es: 'algo que no se puede leer' },
};

const pick = (table, key, lang, fallback) => (table[key] || table[fallback])[lang];

const ASK_SETUP = {
  en: 'tell whoever set up this page, giving the row or record number, never the patient’s data.',
  es: 'avise a quien instaló esta página, con el número de fila o de registro, nunca los datos del paciente.',
};

// Words for every code the core gives a problem or a record warning. Each
// language has a message (what is wrong, said after the field's name when
// the problem has a field) and a hint (how to fix it), as text or as a
// function of the code's parameters and the context ({ field, fields,
// clinic, boxes }). They never hold a value: the core sends none.
export const PROBLEM_WORDS = {
  duplicate_field: {
    en: { message: 'is given more than once', hint: 'Keep only one value for it.' },
    es: { message: 'aparece más de una vez', hint: 'Deje un solo valor.' },
  },
  required: {
    en: { message: 'is required but empty', hint: (p, c) => (c.boxes ? 'Type the day, the month and the year in the boxes.' : c.clinic ? 'Fill it in for this patient.' : 'Fill it in.') },
    es: { message: 'es obligatorio y está vacío', hint: (p, c) => (c.boxes ? 'Escriba el día, el mes y el año en los cuadros.' : c.clinic ? 'Complételo para este paciente.' : 'Complételo.') },
  },
  unknown_fields: {
    en: {
      message: (p) => {
        const names = (p.names || []).map(QUOTE.en);
        const total = names.length + (p.unnamed || 0);
        const more = names.length && p.unnamed ? ` and ${p.unnamed} more` : '';
        return `This record has ${total === 1 ? 'a field' : 'fields'} the page does not know${names.length ? `: ${names.join(', ')}${more}` : ''}`;
      },
      hint: (p) => {
        const meant = (p.suggestions || []).map((n) => fieldLabel(n, 'en'));
        return `Check the spelling${meant.length ? ` (did you mean ${orList(meant, 'en')}?)` : ''}, or remove what is not a field; a misspelled field would leave its answer out of the papers.`;
      },
    },
    es: {
      message: (p) => {
        const names = (p.names || []).map(QUOTE.es);
        const total = names.length + (p.unnamed || 0);
        const more = names.length && p.unnamed ? ` y ${p.unnamed} más` : '';
        return `Este registro tiene ${total === 1 ? 'un campo' : 'campos'} que la página no conoce${names.length ? `: ${names.join(', ')}${more}` : ''}`;
      },
      hint: (p) => {
        const meant = (p.suggestions || []).map((n) => fieldLabel(n, 'es'));
        return `Revise cómo está escrito${meant.length ? ` (¿quiso decir ${orList(meant, 'es')}?)` : ''}, o quite lo que no sea un campo; un campo mal escrito dejaría su respuesta fuera de los documentos.`;
      },
    },
  },
  wrong_kind: {
    en: {
      message: (p) => `holds ${pick(FOUND, p.found, 'en', 'other')}, not ${pick(EXPECTED, p.expected, 'en', 'text')}`,
      hint: (p, c) => (p.expected === 'date' ? dateHow(p, 'en', c) : `Write ${pick(EXPECTED, p.expected, 'en', 'text')} instead.`),
    },
    es: {
      message: (p) => `tiene ${pick(FOUND, p.found, 'es', 'other')}, no ${pick(EXPECTED, p.expected, 'es', 'text')}`,
      hint: (p, c) => (p.expected === 'date' ? dateHow(p, 'es', c) : `Escriba ${pick(EXPECTED, p.expected, 'es', 'text')} en su lugar.`),
    },
  },
  date_is_number: {
    en: { message: 'is a number, not a date', hint: 'Write the date as text in quotes, as year-month-day, for example "1961-03-14".' },
    es: { message: 'es un número, no una fecha', hint: 'Escriba la fecha como texto entre comillas, como año-mes-día, por ejemplo "1961-03-14".' },
  },
  code_is_number: {
    en: { message: 'is written as a number, which loses zeros at the start and long numbers', hint: 'Put it in quotes so that it is kept exactly as printed, for example "00482913".' },
    es: { message: 'está escrito como número, y así se pierden los ceros del principio y las cifras largas', hint: 'Póngalo entre comillas para que se guarde tal como aparece, por ejemplo "00482913".' },
  },
  private_use_characters: {
    en: { message: 'has special symbols that only the program they came from can show; they would print as something else', hint: 'Type it again, or paste it as plain text.' },
    es: { message: 'tiene símbolos especiales que solo puede mostrar el programa de donde vienen; se imprimirían como otra cosa', hint: 'Escríbalo otra vez, o péguelo como texto simple.' },
  },
  control_characters: {
    en: { message: 'has invisible characters in it', hint: 'Type it again, or paste it as plain text.' },
    es: { message: 'tiene caracteres invisibles', hint: 'Escríbalo otra vez, o péguelo como texto simple.' },
  },
  unprintable_characters: {
    en: { message: 'has letters the papers cannot print (they print Latin letters with accents, Greek, Cyrillic, Armenian, Georgian, Hebrew and Arabic; not Chinese, Japanese, Korean, Thai, Devanagari or most emoji)', hint: 'Write it in Latin letters, for example a name spelled out in Latin letters.' },
    es: { message: 'tiene letras que los documentos no pueden imprimir (imprimen letras latinas con acentos, griego, cirílico, armenio, georgiano, hebreo y árabe; no chino, japonés, coreano, tailandés, devanagari ni la mayoría de los emojis)', hint: 'Escríbalo con letras latinas, por ejemplo un nombre transcrito a letras latinas.' },
  },
  too_many_lines: {
    en: { message: (p) => `has more than ${p.max} lines`, hint: 'Shorten it to the lines an envelope needs.' },
    es: { message: (p) => `tiene más de ${p.max} líneas`, hint: 'Acórtelo a las líneas que necesita un sobre.' },
  },
  too_long: {
    en: { message: (p) => `is longer than ${p.max} characters`, hint: 'Shorten it: the papers have one line for it.' },
    es: { message: (p) => `tiene más de ${p.max} caracteres`, hint: 'Acórtelo: los documentos tienen una sola línea para esto.' },
  },
  not_an_email: {
    en: { message: 'does not look like an e-mail address', hint: 'Write it like name@example.org, or leave it empty.' },
    es: { message: 'no parece una dirección de correo electrónico', hint: 'Escríbala como nombre@ejemplo.org, o déjela vacía.' },
  },
  not_a_choice: {
    en: { message: 'is not one of the choices', hint: (p, c) => `Use one of these: ${choiceList(c.field, p.choices, 'en', c)}.` },
    es: { message: 'no es una de las opciones', hint: (p, c) => `Use una de estas: ${choiceList(c.field, p.choices, 'es', c)}.` },
  },
  entry_not_a_choice: {
    en: { message: (p) => `entry ${p.entry} is not one of the choices`, hint: (p, c) => `Use only these: ${choiceList(c.field, p.choices, 'en', c)}.` },
    es: { message: (p) => `la entrada ${p.entry} no es una de las opciones`, hint: (p, c) => `Use solo estas: ${choiceList(c.field, p.choices, 'es', c)}.` },
  },
  entry_too_long: {
    en: { message: (p) => `has an entry longer than ${p.max} characters`, hint: 'Split it into shorter questions.' },
    es: { message: (p) => `tiene una entrada de más de ${p.max} caracteres`, hint: 'Divídala en preguntas más cortas.' },
  },
  too_many_entries: {
    en: { message: (p) => `has more than ${p.max} entries`, hint: 'Keep the most important ones; there is room to add more by hand.' },
    es: { message: (p) => `tiene más de ${p.max} entradas`, hint: 'Deje las más importantes; hay espacio para agregar más a mano.' },
  },
  not_a_real_date: {
    en: { message: 'is not a real calendar date', hint: (p, c) => dateHow(p, 'en', c) },
    es: { message: 'no es una fecha real del calendario', hint: (p, c) => dateHow(p, 'es', c) },
  },
  not_a_date: {
    en: { message: 'is not a date that can be read', hint: (p, c) => dateHow(p, 'en', c) },
    es: { message: 'no es una fecha que se pueda leer', hint: (p, c) => dateHow(p, 'es', c) },
  },
  year_out_of_range: {
    en: { message: (p) => `has a year before ${p.min} or after ${p.max}`, hint: 'Check the year; it is probably a typing mistake.' },
    es: { message: (p) => `tiene un año anterior a ${p.min} o posterior a ${p.max}`, hint: 'Revise el año; seguramente es un error al escribir.' },
  },
  after_today: {
    en: {
      message: 'is after today’s date',
      hint: (p, c) => (c.field === 'date_of_birth' ? 'Check the year of birth.'
        : c.field === 'records_since' ? 'Use a date in the past, or leave it empty to ask for all records.' : 'Use a date in the past.'),
    },
    es: {
      message: 'es posterior a la fecha de hoy',
      hint: (p, c) => (c.field === 'date_of_birth' ? 'Revise el año de nacimiento.'
        : c.field === 'records_since' ? 'Use una fecha pasada, o déjela vacía para pedir todos los expedientes.' : 'Use una fecha pasada.'),
    },
  },
  delivery_without_doctor: {
    en: {
      message: (p) => `asks to send the records to the second-opinion doctor, but ${fieldLabel(p.needs || 'second_opinion_doctor', 'en')} is empty`,
      hint: (p, c) => (c.clinic ? `Fill in ${fieldLabel(p.needs || 'second_opinion_doctor', 'en')}, or write “patient” here.`
        : `Fill in ${fieldLabel(p.needs || 'second_opinion_doctor', 'en')}, or choose ${QUOTE.en(CHOICE_WORDS.records_delivery.patient.en)} under ${fieldLabel('records_delivery', 'en')}.`),
    },
    es: {
      message: (p) => `pide enviar los expedientes al médico de la segunda opinión, pero ${fieldLabel(p.needs || 'second_opinion_doctor', 'es')} está vacío`,
      hint: (p, c) => (c.clinic ? `Llene ${fieldLabel(p.needs || 'second_opinion_doctor', 'es')}, o escriba «patient» aquí.`
        : `Llene ${fieldLabel(p.needs || 'second_opinion_doctor', 'es')}, o elija ${QUOTE.es(CHOICE_WORDS.records_delivery.patient.es)} en ${fieldLabel('records_delivery', 'es')}.`),
    },
  },
  language_without_templates: {
    en: { message: 'is a language the papers are not written in', hint: (p, c) => `Use one of these: ${choiceList('language', p.choices, 'en', c)}.` },
    es: { message: 'es un idioma en que no están escritos los documentos', hint: (p, c) => `Use uno de estos: ${choiceList('language', p.choices, 'es', c)}.` },
  },
  packet_too_long: {
    en: { message: (p) => `This packet came out longer than ${p.max} pages`, hint: `Check this patient’s answers for very long text; if they look normal, ${ASK_SETUP.en}` },
    es: { message: (p) => `Este paquete salió con más de ${p.max} páginas`, hint: `Revise si las respuestas de este paciente tienen textos muy largos; si parecen normales, ${ASK_SETUP.es}` },
  },
  document_failed: {
    en: { message: 'One of the papers of this packet could not be made', hint: `Check this patient’s answers for unusual characters; if they look normal, ${ASK_SETUP.en}` },
    es: { message: 'Uno de los documentos de este paquete no se pudo hacer', hint: `Revise si las respuestas de este paciente tienen caracteres raros; si parecen normales, ${ASK_SETUP.es}` },
  },
  documents_not_apart: {
    en: { message: 'The papers of this packet could not be told apart', hint: `The templates may need fixing: ${ASK_SETUP.en}` },
    es: { message: 'No se pudieron separar los documentos de este paquete', hint: `Puede que haya que corregir las plantillas: ${ASK_SETUP.es}` },
  },
  zip_failed: {
    en: { message: 'The papers could not be put into a ZIP file', hint: 'Try again; if it happens again, tell whoever set up this page.' },
    es: { message: 'No se pudieron juntar los documentos en un archivo ZIP', hint: 'Intente otra vez; si vuelve a pasar, avise a quien instaló esta página.' },
  },
  zip_unreadable: {
    en: { message: 'The finished ZIP file did not read back correctly', hint: 'Try again; if it happens again, tell whoever set up this page.' },
    es: { message: 'El archivo ZIP terminado no se pudo volver a leer bien', hint: 'Intente otra vez; si vuelve a pasar, avise a quien instaló esta página.' },
  },
  not_an_object: {
    en: { message: 'This patient is not written as a set of fields', hint: 'Write each patient as a JSON object, between { and }, with one key per field.' },
    es: { message: 'Este paciente no está escrito como un conjunto de campos', hint: 'Escriba cada paciente como un objeto JSON, entre { y }, con una clave por campo.' },
  },
  ragged_line: {
    en: { message: (p) => `This line has ${p.found} fields, but the header line has ${p.expected}`, hint: 'Check this line’s quotes and separators: a value that holds the separator or a line break must be in double quotes.' },
    es: { message: (p) => `Esta línea tiene ${p.found} campos, pero la línea de encabezados tiene ${p.expected}`, hint: 'Revise las comillas y los separadores de esta línea: un valor que contiene el separador o un salto de línea debe ir entre comillas dobles.' },
  },
  not_built: {
    en: { message: 'This packet was not made: the run stopped before it', hint: 'Run again with the same files.' },
    es: { message: 'Este paquete no se hizo: el proceso se detuvo antes de llegar a él', hint: 'Vuelva a empezar con los mismos archivos.' },
  },
  write_failed: {
    en: { message: 'This packet could not be saved', hint: 'Check where it is saved and the free space, then try again.' },
    es: { message: 'No se pudo guardar este paquete', hint: 'Revise dónde se guarda y el espacio libre, y vuelva a intentarlo.' },
  },
  build_stopped: {
    en: { message: 'Making this packet stopped unexpectedly', hint: `The other packets were made; ${ASK_SETUP.en}` },
    es: { message: 'La preparación de este paquete se detuvo de forma inesperada', hint: `Los demás paquetes se hicieron; ${ASK_SETUP.es}` },
  },
  more_than_one_patient: {
    en: { message: 'The form holds more than one patient', hint: 'Make one patient’s packet at a time here, or use the clinic mode.' },
    es: { message: 'El formulario tiene más de un paciente', hint: 'Haga aquí el paquete de un paciente a la vez, o use el modo para clínicas.' },
  },
  doctor_without_address_or_fax: {
    en: {
      message: (p, c) => `The records go to the second-opinion doctor, but ${missingFields(c.fields, 'en')}`,
      hint: 'Add one or both, or fill in the blanks on the letter by hand before signing it.',
    },
    es: {
      message: (p, c) => `Los expedientes van al médico de la segunda opinión, pero ${missingFields(c.fields, 'es')}`,
      hint: 'Agregue uno o los dos, o llene a mano los espacios en blanco de la carta antes de firmarla.',
    },
  },
  more_record_warnings: {
    en: { message: (p) => `${p.count} more records have a note like those above`, hint: 'Check the second-opinion doctor’s address and fax in each record.' },
    es: { message: (p) => `${p.count} registros más tienen una nota como las de arriba`, hint: 'Revise la dirección y el fax del médico de la segunda opinión en cada registro.' },
  },
};

const capital = (text) => (text ? text[0].toUpperCase() + text.slice(1) : text);
const sentence = (text) => (/[.?!]$/.test(text) ? text : `${text}.`);

/**
 * A problem (or record warning) from the core, in words: { message, hint }.
 * `problem` is { code, params, field?, fields? }. Options: `label`, how to
 * name the field (its label on the patient page), said first; `clinic`,
 * true in clinic mode (choices are then the codes a sheet holds); `boxes`,
 * true for a date field shown as day/month/year boxes.
 */
export function problemText(problem, lang, { label = '', clinic = false, boxes = false } = {}) {
  const words = PROBLEM_WORDS[problem.code];
  if (!words || !words[lang]) throw new Error(`no ${lang} words for the problem code ${problem.code}`);
  const params = problem.params || {};
  const ctx = { field: problem.field || null, fields: problem.fields || [], clinic, boxes };
  const say = (w) => (typeof w === 'function' ? w(params, ctx) : w);
  const message = say(words[lang].message);
  return {
    message: label ? `${label}: ${message}` : capital(message),
    hint: sentence(capital(say(words[lang].hint))),
  };
}

/**
 * How clinic mode names where a problem is: the sheet's own column
 * ("column C, “Date of Birth”") for a row of a spreadsheet or CSV file,
 * else the field's label on the patient page, else nothing.
 */
export function problemPlace(problem, lang) {
  if (problem.column) {
    const column = lang === 'es' ? 'columna' : 'column';
    return problem.header ? `${column} ${problem.column}, ${QUOTE[lang](problem.header)}` : `${column} ${problem.column}`;
  }
  if (problem.field && FIELD_WORDS[problem.field]) return FIELD_WORDS[problem.field][lang].label;
  return '';
}

/** The core's place of a record ("row 12", "record 3") in a language. */
export function placeWords(place, lang) {
  const m = /^(row|record) (\d+)$/.exec(place || '');
  if (!m || lang === 'en') return place || '';
  return `${m[1] === 'row' ? 'fila' : 'registro'} ${m[2]}`;
}

/**
 * Checks that PROBLEM_WORDS words exactly the codes the core lists, in
 * every language, and that each wording runs without parameters; returns
 * the mismatches (empty when all is well).
 */
export function problemGaps(codes) {
  const gaps = [];
  for (const code of codes) {
    const w = PROBLEM_WORDS[code];
    if (!w) { gaps.push(`problem code ${code} has no words`); continue; }
    for (const lang of LANGUAGES) {
      if (!w[lang] || !w[lang].message || !w[lang].hint) { gaps.push(`problem code ${code} has no ${lang} message or hint`); continue; }
      for (const clinic of [false, true]) {
        try {
          problemText({ code, params: {}, field: null }, lang, { clinic });
        } catch (err) {
          gaps.push(`problem code ${code} cannot be worded in ${lang}: ${err.message}`);
        }
      }
    }
  }
  for (const code of Object.keys(PROBLEM_WORDS)) {
    if (!codes.includes(code)) gaps.push(`words name the problem code ${code}, which the core does not give`);
  }
  return gaps;
}
